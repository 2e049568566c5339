/**
 * Per-key model allow-lists: `settings.allowed_models` is an array of exact names or `*` globs (`gpt-4o*`);
 * absent means every model. Anything else in that field denies everything: a malformed grant must never widen
 * into "all models" (DESIGN §2 invariant 3, fail closed).
 */
export type ModelAllowList = (model: string) => boolean;

const ALLOW_ALL: ModelAllowList = () => true;
const ALLOW_NONE: ModelAllowList = () => false;

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

export function compileAllowList(value: unknown): ModelAllowList {
  if (value === undefined || value === null) return ALLOW_ALL;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) return ALLOW_NONE;
  const exact = new Set<string>();
  const patterns: RegExp[] = [];
  for (const item of value as string[]) {
    if (item.includes('*')) patterns.push(globToRegExp(item));
    else exact.add(item);
  }
  return (model) => exact.has(model) || patterns.some((pattern) => pattern.test(model));
}

// Settings objects come from the key snapshot and are replaced, never mutated, when a key changes, so the
// compiled list can be cached on the object itself and is dropped with it.
const compiled = new WeakMap<object, ModelAllowList>();

/** The allow-list of a principal's settings, compiled once per settings object. */
export function allowListOf(settings: Readonly<Record<string, unknown>>): ModelAllowList {
  let list = compiled.get(settings);
  if (list === undefined) {
    list = compileAllowList(settings.allowed_models);
    compiled.set(settings, list);
  }
  return list;
}

/** Parses the CLI's `--models a,b,gpt-4o*` into a settings value. */
export function parseModelList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}
