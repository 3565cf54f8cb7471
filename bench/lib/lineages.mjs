// Real certificates in certbot's directory layout, made once per benchmark
// run: archive/NAME/{cert,chain,fullchain,privkey}1.pem, live/NAME/*.pem
// symlinks into the archive, and renewal/NAME.conf so that certbot manages
// them. One python3 process signs all of them with the cryptography package
// (a certbot dependency), as lab/lineage.ts does for one, here with
// one throwaway issuer so that chain and fullchain are what certbot expects.
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync, readSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const SCRIPT = `
import sys, json, datetime
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
spec = json.load(sys.stdin)
nb = datetime.datetime.fromtimestamp(spec["notBefore"], datetime.timezone.utc)
na = datetime.datetime.fromtimestamp(spec["notAfter"], datetime.timezone.utc)
pem = serialization.Encoding.PEM
ca_key = ec.generate_private_key(ec.SECP256R1())
ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cert-wrap bench issuer")])
ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
    .serial_number(x509.random_serial_number()).not_valid_before(nb).not_valid_after(na)
    .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    .sign(ca_key, hashes.SHA256()))
chain = ca.public_bytes(pem)
for item in spec["lineages"]:
    key = ec.generate_private_key(ec.SECP256R1())
    names = item["domains"]
    cert = (x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(nb).not_valid_after(na)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
        .sign(ca_key, hashes.SHA256()))
    d = item["archive"]
    leaf = cert.public_bytes(pem)
    open(d + "/cert1.pem", "wb").write(leaf)
    open(d + "/chain1.pem", "wb").write(chain)
    open(d + "/fullchain1.pem", "wb").write(leaf + chain)
    with open(d + "/privkey1.pem", "wb") as f:
        f.write(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
`;

/**
 * The python that runs certbot (from its #! line): it has the cryptography
 * package, whichever python3 comes first on PATH.
 */
export function certbotPython(certbot) {
  try {
    const fd = openSync(certbot, 'r');
    const buf = Buffer.alloc(200);
    const n = readSync(fd, buf, 0, 200, 0);
    closeSync(fd);
    const m = /^#!\s*(\S*python3?[\d.]*)\s*$/m.exec(buf.subarray(0, n).toString('latin1').split('\n')[0]);
    if (m) return m[1];
  } catch {
    // not a script
  }
  return 'python3';
}

/**
 * @param {string} configDir certbot's --config-dir
 * @param {{ name: string, domains: string[] }[]} lineages
 * @param {{ notBefore: Date, notAfter: Date, webroot: string, server: string, python: string }} opts
 */
export function makeLineages(configDir, lineages, opts) {
  for (const l of lineages) {
    mkdirSync(path.join(configDir, 'archive', l.name), { recursive: true, mode: 0o700 });
    mkdirSync(path.join(configDir, 'live', l.name), { recursive: true, mode: 0o700 });
  }
  mkdirSync(path.join(configDir, 'renewal'), { recursive: true });
  const spec = {
    notBefore: Math.floor(opts.notBefore.getTime() / 1000),
    notAfter: Math.floor(opts.notAfter.getTime() / 1000),
    lineages: lineages.map((l) => ({ domains: l.domains, archive: path.join(configDir, 'archive', l.name) })),
  };
  execFileSync(opts.python, ['-c', SCRIPT], { input: JSON.stringify(spec), stdio: ['pipe', 'ignore', 'pipe'] });
  for (const l of lineages) {
    const archive = path.join(configDir, 'archive', l.name);
    const live = path.join(configDir, 'live', l.name);
    chmodSync(path.join(archive, 'privkey1.pem'), 0o600);
    for (const f of ['cert', 'chain', 'fullchain', 'privkey']) symlinkSync(`../../archive/${l.name}/${f}1.pem`, path.join(live, `${f}.pem`));
    writeFileSync(path.join(configDir, 'renewal', `${l.name}.conf`), renewalConf(configDir, l, opts));
  }
}

/** A minimal renewal configuration of the kind certbot 2.x writes for a webroot certificate. */
function renewalConf(configDir, l, opts) {
  const live = path.join(configDir, 'live', l.name);
  return [
    'version = 2.1.0',
    `archive_dir = ${path.join(configDir, 'archive', l.name)}`,
    `cert = ${live}/cert.pem`,
    `privkey = ${live}/privkey.pem`,
    `chain = ${live}/chain.pem`,
    `fullchain = ${live}/fullchain.pem`,
    '',
    '[renewalparams]',
    'authenticator = webroot',
    `webroot_path = ${opts.webroot},`,
    `server = ${opts.server}`,
    'key_type = ecdsa',
    '[[webroot_map]]',
    ...l.domains.map((d) => `${d} = ${opts.webroot}`),
    '',
  ].join('\n');
}
