/**
 * Compose's variable interpolation, so a test sees the file as `docker compose config` would: `${VAR}`, `$VAR`,
 * `${VAR:-default}` (unset or empty), `${VAR-default}` (unset), `${VAR:?message}` / `${VAR?message}` (required) and
 * `$$` for a literal `$`. Applied to every string value of the parsed document; keys are left as they are.
 */
const TOKEN = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(TOKEN, (match, braced?: string, operator?: string, argument?: string, bare?: string) => {
    if (match === '$$') return '$';
    const name = (braced ?? bare) as string;
    const current = env[name];
    const missing = operator?.startsWith(':') ? current === undefined || current === '' : current === undefined;
    if (operator?.endsWith('-')) return missing ? (argument ?? '') : (current as string);
    if (operator?.endsWith('?')) {
      if (missing) throw new Error(`compose: ${name} is required: ${argument}`);
      return current as string;
    }
    return current ?? '';
  });
}

export function renderCompose(document: unknown, env: Record<string, string>): unknown {
  if (typeof document === 'string') return interpolate(document, env);
  if (Array.isArray(document)) return document.map((item) => renderCompose(item, env));
  if (document !== null && typeof document === 'object') {
    return Object.fromEntries(Object.entries(document).map(([key, value]) => [key, renderCompose(value, env)]));
  }
  return document;
}
