/** The config as written in the file (after schema validation): kebab-case keys, optional fields. */
export interface RawCertificate {
  name?: string;
  domains: string[];
  challenge?: 'http' | 'dns';
  'authentication-hook'?: string;
  'cleanup-hook'?: string;
  'deploy-hook'?: string;
  'on-failure'?: string;
  https?: boolean | { body?: string[]; 'tls-profile'?: TlsProfile; hsts?: boolean | RawHsts };
  deploy?: RawDeployCopy[];
}

/** The TLS settings written inside an HTTPS server (src/adapters/nginx/tls-profile.ts). */
export type TlsProfile = 'intermediate' | 'modern' | 'none';

export interface RawHsts {
  'max-age'?: number;
  'include-subdomains'?: boolean;
  preload?: boolean;
}

export interface RawDeployCopy {
  directory: string;
  owner?: string;
  group?: string;
  mode?: string;
}

export interface RawLocation {
  uri: string;
  body: string[];
}

export interface RawConfig {
  $schema?: string;
  webroot?: string;
  'certs-dir'?: string;
  'renew-before'?: number | string;
  'tls-profile'?: TlsProfile;
  'on-failure'?: string;
  'alert-before'?: number;
  certificates: RawCertificate[];
  email?: string;
  server?: string;
  'rsa-key-size'?: number;
  'key-type'?: 'rsa' | 'ecdsa';
  'eab-kid'?: string;
  'eab-hmac-key'?: string;
  'default-location'?: false | RawLocation;
  certbot?: string;
  'config-dir'?: string;
  'work-dir'?: string;
  'logs-dir'?: string;
  nginx?: {
    listen?: string[];
    'https-listen'?: string[];
    'pid-file'?: string;
    binary?: string;
    'conf-file'?: string;
    prefix?: string;
    version?: string;
    'https-default-server'?: boolean;
  };
  fleet?: RawFleet;
}

export interface RawFleet {
  etcd: { endpoints: string[]; ca?: string; cert?: string; key?: string; username?: string; 'password-file'?: string; 'insecure-http'?: boolean };
  prefix: string;
  node?: string;
  'key-file': string;
  'account-thumbprint'?: string;
  'lease-ttl'?: number;
  'order-grace'?: number;
}

/** One certificate of the normalized model: every default applied, names in ASCII. */
export interface Certificate {
  /** Position in the config's certificates list (for messages). */
  index: number;
  name: string;
  /** Lowercase ASCII (punycode) names, in config order; the first is the subject CN. */
  domains: string[];
  /** null: HTTP-01 through the webroot (certbot --webroot). */
  challenge: 'http' | 'dns' | null;
  authenticationHook: string | null;
  cleanupHook: string | null;
  deployHook: string | null;
  /** The alert command: the certificate's own on-failure, else the top-level one; null: none. */
  onFailure: string | null;
  /** null: no HTTPS server; otherwise the directives it serves (none: a 404 for all but the challenge). */
  https: HttpsSettings | null;
  deploy: DeployCopy[];
}

export interface HttpsSettings {
  body: string[];
  /** The certificate's own tls-profile, else the top-level one, else intermediate. */
  tlsProfile: TlsProfile;
  /** null: no Strict-Transport-Security header. */
  hsts: Hsts | null;
}

export interface Hsts {
  maxAge: number;
  includeSubdomains: boolean;
  preload: boolean;
}

export interface DeployCopy {
  directory: string;
  owner: string | null;
  group: string | null;
  /** File mode of both copies. */
  mode: number;
}

/** When renewal is due: days before expiry, or a share of the lifetime. null: the default rule. */
export type RenewBefore = { days: number } | { fraction: number } | null;

/**
 * The largest `renew-before` in days: a year, more than any publicly trusted
 * certificate lives (398 days at most, falling to 47). Whatever the rule, a
 * certificate is never due before half of its lifetime has passed (decide.ts).
 */
export const MAX_RENEW_BEFORE_DAYS = 365;

export interface Location {
  /** The location's arguments as nginx reads them: optional modifier, then the match. */
  uri: string;
  /** Complete directives, each checked to be exactly one statement. */
  body: string[];
}

export interface NginxSettings {
  listen: string[];
  httpsListen: string[];
  /** null: found the way nginx finds it (src/adapters/nginx/host.ts). */
  pidFile: string | null;
  binary: string;
  /** For `nginx -t` before a reload; null: what the running master was started with. */
  confFile: string | null;
  prefix: string | null;
  /** The nginx version to generate for ("1.22.1"); null: `nginx -v` on the host (src/adapters/nginx/target-version.ts). */
  version: string | null;
  /** Write the default server that refuses the handshake for names without an HTTPS server. */
  httpsDefaultServer: boolean;
}

/** External Account Binding credentials. Secrets: never printed, logged or shown in errors. */
export interface Eab {
  kid: string;
  hmacKey: string;
}

/** The normalized config: the only shape code past the loader sees. */
export interface Config {
  /** The config file's base name, for the output's header comment. */
  sourceName: string;
  /** Absolute path of the config file. */
  sourcePath: string;
  webroot: string;
  certsDir: string;
  renewBefore: RenewBefore;
  /** The top-level on-failure (each certificate carries the one that applies to it). */
  onFailure: string | null;
  /** Days before expiry from which a certificate not yet renewed raises an alert. */
  alertBeforeDays: number;
  certificates: Certificate[];
  email: string | null;
  /** The config's `server`, passed to certbot only when set. */
  server: string | null;
  /** The ACME directory certbot uses: `server`, else certbot's default (Let's Encrypt). */
  acmeDirectory: string;
  rsaKeySize: number | null;
  keyType: 'rsa' | 'ecdsa' | null;
  eab: Eab | null;
  defaultLocation: Location | null;
  certbot: string;
  /** certbot's three directories, resolved: the config's values, else certbot's defaults. */
  configDir: string;
  workDir: string;
  logsDir: string;
  /** Which of the three the config set: only those are passed to certbot, as before. */
  certbotDirsSet: { config: boolean; work: boolean; logs: boolean };
  nginx: NginxSettings;
  /** null: single-host mode. */
  fleet: Fleet | null;
}

/** Fleet mode (src/fleet/): the etcd cluster, this node, the fleet key and account. */
export interface Fleet {
  etcd: {
    endpoints: string[];
    ca: string | null;
    cert: string | null;
    key: string | null;
    username: string | null;
    passwordFile: string | null;
  };
  /** Without a trailing slash, e.g. "/cert-wrap/prod". */
  prefix: string;
  node: string;
  keyFile: string;
  /** null until `cert-wrap fleet init` printed it and it was written into the config. */
  accountThumbprint: string | null;
  leaseTtl: number;
  orderGrace: number;
}

export const DEFAULTS = {
  webroot: '/var/www',
  certbot: 'certbot',
  listen: ['80', '[::]:80'],
  httpsListen: ['443', '[::]:443'],
  certsDir: '/etc/cert-wrap/certs',
  deployMode: 0o600,
  alertBeforeDays: 7,
  nginxBinary: 'nginx',
  defaultLocation: { uri: '/', body: ['return 301 https://$host$request_uri;'] },
  tlsProfile: 'intermediate',
  /** Two years, Mozilla's recommendation. */
  hstsMaxAge: 63072000,
  /** The browsers' preload list asks for at least a year. */
  hstsPreloadMinAge: 31536000,
  fleetLeaseTtl: 10,
  fleetOrderGrace: 60,
} as const;
