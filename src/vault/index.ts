/**
 * @module The credential vault proxy (issue 7): service definitions, credentials stored only as envelopes and
 * injected at egress, OAuth2 token refresh, per-key grants, rate limits and Idempotency-Key replay.
 */
export {
  CredentialInputError,
  type CredentialMaterial,
  CredentialUnreadableError,
  parseCredentialInput,
  type ResolvedCredential,
  SERVICE_SCOPE,
  scopeForKey,
  scopeForTenant,
} from './credentials.ts';
export { VaultError, type VaultErrorCode } from './errors.ts';
export type { ForwardRequest, ForwardResponse } from './forward.ts';
export { findInjectedHeader } from './headers.ts';
export { hashRequest, IDEMPOTENT_METHODS, isValidIdempotencyKey, type StoredResponse } from './idempotency.ts';
export { type CredentialHealth, OAuthRefreshError } from './oauth2.ts';
export { matchesPrefix, type PathDecision, resolveServicePath } from './path-guard.ts';
export { compileNeedles, RedactingStream, redactText } from './redactor.ts';
export {
  compileService,
  describeService,
  usesOAuth2,
  VaultDefinitionError,
  type VaultService,
} from './service-definition.ts';
export {
  VaultAuthSchema,
  VaultConfigSchema,
  type VaultConfigSection,
  VaultGrantSchema,
  VaultServiceSchema,
  type VaultServiceSpec,
} from './service-schema.ts';
export { type CreateVaultOptions, compileConfigServices, createVault, type Vault } from './vault.ts';
export { type CredentialTarget, VaultAdmin } from './vault-admin.ts';
export { VaultSnapshot } from './vault-snapshot.ts';
