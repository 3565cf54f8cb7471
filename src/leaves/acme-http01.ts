/**
 * The ACME HTTP-01 challenge path (RFC 8555 section 8.3): the one place that
 * spells it, for the webroot directory, the probe's URL and nginx's location.
 */
export const CHALLENGE_SEGMENTS = ['.well-known', 'acme-challenge'] as const;
/** Relative directory under a webroot: ".well-known/acme-challenge". */
export const CHALLENGE_DIR = CHALLENGE_SEGMENTS.join('/');
/** URL path prefix, with both slashes: "/.well-known/acme-challenge/". */
export const CHALLENGE_URL_PREFIX = `/${CHALLENGE_DIR}/`;

export function challengeUrlPath(token: string): string {
  return `${CHALLENGE_URL_PREFIX}${token}`;
}
