/**
 * Config bytes -> text. Invalid UTF-8 is refused: a lossy decode would turn it
 * into U+FFFD silently, and a webroot or hook would then name another path.
 */
export type Decoded = { ok: true; text: string } | { ok: false; offset: number; line: number };

const fatal = new TextDecoder('utf-8', { fatal: true });
const lossy = new TextDecoder('utf-8');
const REPLACEMENT = [0xef, 0xbf, 0xbd];

/** The text (a leading byte order mark dropped), or where the first invalid byte sequence starts. */
export function decodeUtf8(bytes: Uint8Array): Decoded {
  try {
    return { ok: true, text: fatal.decode(bytes) };
  } catch {
    const offset = firstInvalid(bytes);
    let line = 1;
    for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
    return { ok: false, offset, line };
  }
}

/** Each invalid sequence decodes to one U+FFFD; the first that the file did not spell as EF BF BD is it. */
function firstInvalid(bytes: Uint8Array): number {
  const text = lossy.decode(bytes);
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (let at = text.indexOf('\uFFFD'); at !== -1; at = text.indexOf('\uFFFD', at + 1)) {
    const offset = bom + Buffer.byteLength(text.slice(0, at));
    if (!REPLACEMENT.every((b, k) => bytes[offset + k] === b)) return offset;
  }
  return bytes.length;
}
