/**
 * Who is calling. Built by identify from a virtual key, an admin token or a JWT; read by authorize, admit and
 * audit. `tenantId`/`teamId` are the resource scope a key acts in; they are null for platform-level users.
 */
export interface Principal {
  type: 'key' | 'user' | 'jwt';
  id: string;
  tenantId: string | null;
  teamId: string | null;
  name: string;
  /** Per-key settings (allowed models, limits, budgets, logging opt-in); an empty object when none. */
  settings: Readonly<Record<string, unknown>>;
  expiresAt: number | null;
}
