export { CORS_FAMILIES, type CorsConfig, type CorsFamily, type CorsFamilyConfig } from './cors.ts';
export { ConfigError } from './errors.ts';
export type { FileConfig } from './file-schema.ts';
export type { HttpConfig } from './http.ts';
export { type GatehouseConfig, type LoadConfigOptions, type LogLevel, loadConfig } from './load.ts';
export type { MasterKey, MasterKeys } from './master-key.ts';
export {
  OIDC_ALGORITHMS,
  type OidcAlgorithm,
  type OidcConfig,
  type OidcConsoleConfig,
  OidcSectionSchema,
} from './oidc.ts';
