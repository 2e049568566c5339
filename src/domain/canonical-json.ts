import canonicalizeExport from 'canonicalize';

type Serialize = (input: unknown) => string | undefined;

// canonicalize 2 is CommonJS behind an ESM-style `export default` declaration: Node gives an ESM importer
// `module.exports` (the function), while TypeScript under NodeNext types the import as `{ default }`.
const loaded: unknown = canonicalizeExport;
const canonicalize = (typeof loaded === 'function' ? loaded : (loaded as { default: Serialize }).default) as Serialize;

/** RFC 8785 (JCS) canonical JSON: the one serialisation every hash and signature over JSON in Gatehouse uses. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return text;
}
