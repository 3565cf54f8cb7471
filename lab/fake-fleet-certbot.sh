#!/bin/sh
# A stand-in for certbot in the fleet agent's command-line tests: it runs the
# manual auth hook and the deploy hook as certbot does (through a shell, with
# certbot's environment variables) and saves a self-signed "issued" lineage.
# What belongs to certbot itself is tested against the real one in test/e2e/.
name=""; config=""; auth=""; deploy=""; domains=""; prev=""
for a in "$@"; do
  case "$prev" in
    --cert-name) name="$a" ;;
    --config-dir) config="$a" ;;
    -d) domains="$domains $a" ;;
  esac
  case "$a" in
    --manual-auth-hook=*) auth="${a#--manual-auth-hook=}" ;;
    --deploy-hook=*) deploy="${a#--deploy-hook=}" ;;
  esac
  prev="$a"
done
[ -n "$FAKE_CERTBOT_LOG" ] && printf '%s\n' "$*" >> "$FAKE_CERTBOT_LOG"
for d in $domains; do
  CERTBOT_DOMAIN="$d" CERTBOT_TOKEN="tok$$" CERTBOT_VALIDATION="tok$$.$FAKE_THUMBPRINT" /bin/sh -c "$auth" || { echo "auth hook failed for $d" >&2; exit 1; }
done
live="$config/live/$name"
mkdir -p "$live"
san=$(for d in $domains; do printf 'DNS:%s,' "$d"; done)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$live/privkey.pem" -out "$live/fullchain.pem" \
  -days 90 -subj "/CN=$name" -addext "subjectAltName=${san%,}" 2>/dev/null || exit 1
cp "$live/fullchain.pem" "$live/cert.pem"
echo "Certificate is saved at: $live/fullchain.pem"
RENEWED_LINEAGE="$live" RENEWED_DOMAINS="${domains# }" /bin/sh -c "$deploy" || echo "Hook 'deploy-hook' reported error code $?" >&2
exit 0
