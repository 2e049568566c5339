/**
 * @module The forms in which a service may echo a credential back (issue 14, finding 10: a credential echoed
 * base64-encoded or as JSON `\u` escapes reached the agent). The redactor masks each form it is given, so this
 * module turns one secret into every spelling worth looking for:
 * - URL encoding: `encodeURIComponent`, with lowercase escapes, form encoding (`+` for spaces, `~` escaped), and
 *   every byte escaped;
 * - hex of the UTF-8 bytes, lower and upper case;
 * - base64 and base64url, padded and not, and also the part of the encoding that only the secret's bytes decide
 *   at each of the three byte offsets (a secret inside a larger encoded value, such as `user:password` in a Basic
 *   header, is encoded from an offset that is not a multiple of 3);
 * - JSON string escapes: `JSON.stringify`, `\/` for `/`, and every character as a `\u` escape of four hex digits
 *   in either case.
 * Encoded forms of secrets shorter than `MIN_ENCODED_LENGTH` are left out: a 3-character secret's hex or base64
 * would mask unrelated text all over a response, and real credentials are far longer.
 */

const MIN_ENCODED_LENGTH = 8;
/** A shifted base64 core shorter than this matches too much unrelated base64 to be worth masking. */
const MIN_CORE_LENGTH = 8;

function toBase64Url(base64: string): string {
  return base64.replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/**
 * The base64 characters determined by `bytes` alone when they start `shift` bytes into a 3-byte group: the groups
 * that lie wholly inside the secret. The group it starts in and the one it ends in mix in neighbouring bytes.
 */
function base64Core(bytes: Buffer, shift: number): string {
  const lead = shift === 0 ? 0 : 3 - shift;
  const whole = Math.floor((bytes.length - lead) / 3) * 3;
  if (whole <= 0) return '';
  return bytes.subarray(lead, lead + whole).toString('base64');
}

function percentEveryByte(bytes: Buffer): string {
  let out = '';
  for (const byte of bytes) out += `%${byte.toString(16).padStart(2, '0').toUpperCase()}`;
  return out;
}

function unicodeEscapes(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) out += `\\u${value.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}

const lowerEscapes = (text: string) => text.replace(/%[0-9A-F]{2}/g, (match) => match.toLowerCase());
const upperEscapes = (text: string) =>
  text.replace(/\\u([0-9a-f]{4})/g, (_escape, hex: string) => `\\u${hex.toUpperCase()}`);

/** Every spelling of `value` to mask, itself first; duplicates and empty strings are removed. */
export function encodedForms(value: string): string[] {
  if (value.length === 0) return [];
  const uri = encodeURIComponent(value);
  const forms = [value, uri, lowerEscapes(uri)];
  if (value.length >= MIN_ENCODED_LENGTH) {
    const bytes = Buffer.from(value, 'utf8');
    const every = percentEveryByte(bytes);
    const base64 = bytes.toString('base64');
    const json = JSON.stringify(value).slice(1, -1);
    const escaped = unicodeEscapes(value);
    forms.push(
      new URLSearchParams({ v: value }).toString().slice(2),
      every,
      every.toLowerCase(),
      bytes.toString('hex'),
      bytes.toString('hex').toUpperCase(),
      base64,
      base64.replace(/=+$/, ''),
      toBase64Url(base64),
      json,
      json.replaceAll('/', '\\/'),
      escaped,
      upperEscapes(escaped),
    );
    for (let shift = 0; shift < 3; shift++) {
      const core = base64Core(bytes, shift);
      if (core.length >= MIN_CORE_LENGTH) forms.push(core, toBase64Url(core));
    }
  }
  return [...new Set(forms.filter((form) => form.length > 0))];
}
