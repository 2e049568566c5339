export {
  isForeignKeyViolation,
  isUniqueViolation,
  type OpenStoreOptions,
  openStore,
  type Store,
  type StoreDialect,
} from './connect.ts';
export { ConflictError, NotFoundError } from './errors.ts';
export * as auditRepository from './repositories/audit.ts';
export type { KeyRecord, NewKey } from './repositories/keys.ts';
export * as keysRepository from './repositories/keys.ts';
export type { SecretMetadata } from './repositories/secrets.ts';
export * as secretsRepository from './repositories/secrets.ts';
export type { TeamRecord, TenantRecord } from './repositories/tenants.ts';
export * as tenantsRepository from './repositories/tenants.ts';
export { currentRevision } from './revisions.ts';
export type { Database } from './schema.ts';
