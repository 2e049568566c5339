/**
 * @module The console's one connection to the gateway: the shared typed admin client, riding the HttpOnly session
 * cookie (no token is ever held by this code) and sending the session's CSRF token on writes.
 */
import { type ApiError, createAdminClient, errorOf } from '../../src/client/index.ts';

let csrf: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrf = token;
}

export const api = createAdminClient({
  baseUrl: window.location.origin,
  csrfToken: () => csrf,
  fetch: (input, init) => fetch(input, { ...init, credentials: 'same-origin' }),
});

/** Thrown by `must` so pages can show the catalog message and code of a failed call. */
export class ApiFailure extends Error {
  readonly status: number;
  readonly error: ApiError;

  constructor(status: number, error: ApiError) {
    super(error.message);
    this.status = status;
    this.error = error;
  }
}

/** Unwraps an openapi-fetch result: its data, or an `ApiFailure` carrying the catalog error. */
export async function must<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<NonNullable<T>> {
  const { data, error, response } = await call;
  if (!response.ok || data === undefined || data === null) {
    if (response.ok && response.status === 204) return undefined as unknown as NonNullable<T>;
    throw new ApiFailure(response.status, errorOf(error, response.status));
  }
  return data as NonNullable<T>;
}

export type { Answer, BodyOf } from '../../src/client/index.ts';
export type { ApiError };
