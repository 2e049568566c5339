/**
 * @module The one error the state layer throws for a dependency that is down. `http/` maps it to the
 * catalog's 503 (DESIGN §2.3, fail closed): a limiter that cannot count must not admit.
 */

const BRAND = Symbol.for('gatehouse.StateUnavailableError');

export class StateUnavailableError extends Error {
  /** Stable code for the error catalog. */
  readonly code = 'state_unavailable';
  readonly statusCode = 503;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StateUnavailableError';
  }

  // A brand keeps `instanceof` true across duplicate copies of this module (undici's errors do the same).
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  get [BRAND](): boolean {
    return true;
  }
}
