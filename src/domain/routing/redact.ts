/**
 * Upstream error bodies are untrusted: a misconfigured proxy may echo request headers, and some providers
 * quote the key they refused ("Incorrect API key provided: sk-abc..."). Only a message field from a JSON body is
 * ever shown to clients, with known secrets and key-shaped tokens masked; anything else stays in the logs.
 */
const KEY_SHAPES: readonly RegExp[] = [
  /\b(sk|pk|rk|gh[pousr]?|xox[abpr]|AKIA)[-_][A-Za-z0-9_-]{8,}/g,
  /\bBearer\s+[A-Za-z0-9._~+/=-]+/gi,
  /\b(api[-_]?key|authorization|token|secret|password)(["']?\s*[:=]\s*["']?)[^\s"',}]+/gi,
  /\b[A-Za-z0-9_-]{40,}\b/g,
];

const MAX_MESSAGE_CHARS = 300;

export function redactSecrets(text: string, knownSecrets: readonly string[]): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  out = out.replace(KEY_SHAPES[0] as RegExp, '[redacted]');
  out = out.replace(KEY_SHAPES[1] as RegExp, 'Bearer [redacted]');
  out = out.replace(KEY_SHAPES[2] as RegExp, '$1$2[redacted]');
  out = out.replace(KEY_SHAPES[3] as RegExp, '[redacted]');
  return out.length > MAX_MESSAGE_CHARS ? `${out.slice(0, MAX_MESSAGE_CHARS)}…` : out;
}

/** The human-readable message of a JSON error body (OpenAI `error.message`, Ollama `error`), else null. */
export function extractUpstreamMessage(body: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object') return null;
  const record = value as Record<string, unknown>;
  const error = record.error;
  if (typeof error === 'string') return error;
  if (error !== null && typeof error === 'object') {
    const message = (error as Record<string, unknown>).message;
    if (typeof message === 'string') return message;
  }
  if (typeof record.message === 'string') return record.message;
  if (typeof record.detail === 'string') return record.detail;
  return null;
}
