/**
 * Expected vault failures, as values the HTTP layer maps one-to-one onto catalog codes. Messages are for
 * operators (logs); the agent only ever sees the catalog's message for the code.
 */
export type VaultErrorCode =
  | 'vault_upstream_timeout'
  | 'vault_upstream_unreachable'
  | 'vault_token_unavailable'
  | 'vault_credential_unreadable'
  | 'vault_credential_missing';

export class VaultError extends Error {
  readonly code: VaultErrorCode;

  constructor(code: VaultErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'VaultError';
    this.code = code;
  }
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** Maps an undici failure by its `code` (STYLE §5); the original stays as `cause`, for the logs only. */
export function mapUpstreamFailure(error: unknown, serviceId: string): VaultError {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && TIMEOUT_CODES.has(code)) {
    return new VaultError('vault_upstream_timeout', `vault service ${serviceId} timed out (${code})`, { cause: error });
  }
  return new VaultError(
    'vault_upstream_unreachable',
    `vault service ${serviceId} failed (${typeof code === 'string' ? code : 'error'})`,
    { cause: error },
  );
}
