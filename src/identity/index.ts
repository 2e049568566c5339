export { ValidationError, validateName } from './errors.ts';
export {
  type CreateKeyInput,
  createIdentityService,
  type IdentityService,
  type IdentityServiceOptions,
  type IssuedKey,
} from './identity-service.ts';
export type { KeyHashing } from './key-hasher.ts';
export { type KeyAuthFailure, type KeyAuthResult, KeySnapshot, type KeySnapshotOptions } from './key-snapshot.ts';
