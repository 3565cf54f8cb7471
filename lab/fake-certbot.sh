#!/bin/sh
# A stand-in for certbot in command-line tests of cert-wrap's own behaviour
# (plan, lock, summary, exit codes). What belongs to certbot is tested against
# the real certbot in test/e2e/.
# Behaviour by certificate name: fail* -> failed validation, slow* -> 2 s (or,
# with FAKE_CERTBOT_HOLD set, until that file exists), else issued.
name=""
prev=""
for a in "$@"; do
  [ "$prev" = "--cert-name" ] && name="$a"
  prev="$a"
done
[ -n "$FAKE_CERTBOT_LOG" ] && printf '%s\n' "$*" >> "$FAKE_CERTBOT_LOG"
echo "Saving debug log to /tmp/fake/letsencrypt.log" >&2
echo "Requesting a certificate for $name"
case "$name" in
  fail*)
    echo "Certbot failed to authenticate some domains (authenticator: webroot). The Certificate Authority reported these problems:"
    echo "  Domain: $name"
    echo "  Type:   unauthorized"
    echo "  Detail: Invalid response from http://$name/.well-known/acme-challenge/x: 404"
    echo "Some challenges have failed." >&2
    exit 1 ;;
  slow*)
    if [ -n "$FAKE_CERTBOT_HOLD" ]; then
      i=0
      while [ ! -e "$FAKE_CERTBOT_HOLD" ] && [ "$i" -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
    else
      sleep 2
    fi ;;
esac
echo "Successfully received certificate."
