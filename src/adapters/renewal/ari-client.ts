/**
 * The two unauthenticated GETs of ARI: the CA's directory (for its
 * `renewalInfo` URL) and one certificate's renewal information. Loaded only
 * by commands that ask (renew, obtain), so the HTTP stack stays out of the
 * others' start-up.
 */
import { NetworkError } from '../../lib/errors.js';

export interface HttpAnswer {
  status: number;
  retryAfter: string | null;
  body: string;
}

export type HttpGet = (url: string) => Promise<HttpAnswer>;

const TIMEOUT_MS = 10_000;
const MAX_BODY_BYTES = 64 * 1024;

/** GET with a time limit and a size limit; network failures throw with the reason underneath fetch's "fetch failed". */
export const httpGet: HttpGet = async (url) => {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS), headers: { accept: 'application/json' }, redirect: 'follow' });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = (err as Error).name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS / 1000} s` : (cause?.code ?? cause?.message ?? (err as Error).message);
    throw new NetworkError(`cannot reach ${url}: ${why}`);
  }
  const body = Buffer.from(await res.arrayBuffer());
  if (body.length > MAX_BODY_BYTES) throw new Error(`${url}: answer larger than ${MAX_BODY_BYTES} bytes`);
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: body.toString('utf8') };
};

export { NetworkError };

/** The directory's renewalInfo URL, or null when the CA offers no ARI. */
export async function renewalInfoUrl(directory: string, get: HttpGet): Promise<string | null> {
  const res = await get(directory);
  if (res.status !== 200) throw new Error(`${directory} answered HTTP ${res.status}`);
  let dir: unknown;
  try {
    dir = JSON.parse(res.body);
  } catch {
    throw new Error(`${directory} is not a JSON ACME directory`);
  }
  const url = (dir as { renewalInfo?: unknown } | null)?.renewalInfo;
  return typeof url === 'string' && /^https?:\/\//.test(url) ? url : null;
}

/** {renewalInfo}/{certID} (RFC 9773 §4.1). */
export function renewalInfoRequestUrl(renewalInfo: string, certId: string): string {
  return `${renewalInfo.replace(/\/+$/, '')}/${certId}`;
}
