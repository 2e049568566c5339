/**
 * @module The agent session a model call belongs to, from the header its agent sends: Gatehouse's own
 * `x-gatehouse-session` first (set by whoever wants to name the session), then Claude Code's
 * `x-claude-code-session-id`, then Codex's `session_id`. A value outside the bounded, safe charset is ignored
 * (never an error, never stored): it ends up in the ledger, in audit search columns and in the console.
 */

export const SESSION_HEADERS = ['x-gatehouse-session', 'x-claude-code-session-id', 'session_id'] as const;

export const MAX_SESSION_LENGTH = 128;

const SAFE_SESSION = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/** The request's agent session, or null when it names none or only invalid ones. */
export function agentSessionOf(headers: Readonly<Record<string, string | string[] | undefined>>): string | null {
  for (const name of SESSION_HEADERS) {
    const value = headers[name];
    if (typeof value !== 'string') continue;
    if (value.length <= MAX_SESSION_LENGTH && SAFE_SESSION.test(value)) return value;
  }
  return null;
}
