/**
 * RFC 8785 (JCS) canonical JSON: the one serialisation every hash and signature over JSON in Gatehouse uses.
 *
 * Written for the hot path (every audit event is hashed through it): one pass, no intermediate arrays beyond the
 * sorted key list. The rules it implements:
 * - object members sorted by their names' UTF-16 code units (§3.2.3), which is what `Array#sort` compares;
 * - strings and numbers serialised as ECMAScript's JSON.stringify does (§3.2.2.2, §3.2.2.3: ES6 Number-to-String,
 *   so `-0` is `0`); NaN and ±Infinity have no JSON form and throw;
 * - `undefined` members, functions and symbols are left out of objects and become `null` in arrays, as
 *   JSON.stringify does; a value with `toJSON` (a Date) is serialised as what it returns.
 * Checked against the `canonicalize` package on random values in the unit tests.
 */
export function canonicalJson(value: unknown): string {
  const text = serialize(value);
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return text;
}

function serialize(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${value} has no JSON representation (RFC 8785 §3.2.2.3)`);
      return Object.is(value, -0) ? '0' : String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
        return serialize((value as { toJSON(): unknown }).toJSON());
      }
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          out += serialize(value[i]) ?? 'null';
        }
        return `${out}]`;
      }
      return serializeObject(value as Record<string, unknown>);
    case 'bigint':
      throw new TypeError('BigInt has no JSON representation');
    default:
      return undefined;
  }
}

function serializeObject(record: Record<string, unknown>, skip?: string): string {
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    if (key === skip) continue;
    const text = serialize(record[key]);
    if (text === undefined) continue;
    out += first ? '' : ',';
    out += `${JSON.stringify(key)}:${text}`;
    first = false;
  }
  return `${out}}`;
}

/** The canonical form of an object with one top-level member left out (the audit hash covers "event minus hash"). */
export function canonicalJsonWithout(record: object, member: string): string {
  return serializeObject(record as Record<string, unknown>, member);
}
