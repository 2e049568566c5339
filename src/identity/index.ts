export { AdminService, type IssuedAdminToken, type NewBinding } from './admin-service.ts';
export { AdminSnapshot, type AdminSnapshotOptions } from './admin-snapshot.ts';
export {
  CONSOLE_SESSION_TTL_MS,
  ConsoleSessions,
  type IssuedSession,
  type OidcSessionInput,
  type SessionAuthResult,
} from './console-sessions.ts';
export { ValidationError, validateName } from './errors.ts';
export {
  type CreateKeyInput,
  createIdentityService,
  type IdentityService,
  type IdentityServiceOptions,
  type IssuedKey,
} from './identity-service.ts';
export {
  type ClaimBinding,
  claimBindingsOf,
  createJwtVerifier,
  type JwtPrincipal,
  type JwtVerification,
  type JwtVerifier,
  looksLikeJwt,
  parseRolesClaim,
} from './jwt-verifier.ts';
export type { KeyHashing } from './key-hasher.ts';
export { type KeyAuthFailure, type KeyAuthResult, KeySnapshot, type KeySnapshotOptions } from './key-snapshot.ts';
export { LOGIN_TTL_MS, type LoginResult, OidcLogin } from './oidc-login.ts';
export { describeBinding, describeKey, describeTeam, describeTenant, describeUser, keyStatus } from './views.ts';
