import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { type CheckpointConfig, resolveCheckpointConfig } from '../audit/config-schema.ts';
import { resolveAuditExport } from '../audit/export-config.ts';
import type { AuditWebhookSink } from '../audit/stream-export.ts';
import { type McpConfig, resolveMcpConfig } from '../mcp/config.ts';
import { resolveTelemetryConfig, type TelemetryConfig } from '../telemetry/config.ts';
import { type CorsConfig, resolveCorsConfig } from './cors.ts';
import { ConfigError } from './errors.ts';
import { type FileConfig, FileConfigSchema } from './file-schema.ts';
import { type HttpConfig, resolveHttpConfig } from './http.ts';
import { type MasterKeys, resolveMasterKeys } from './master-key.ts';
import { type OidcConfig, resolveOidcConfig, resolvePublicUrl } from './oidc.ts';
import { readSecretFiles } from './secret-files.ts';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface GatehouseConfig {
  /** The YAML file read (absolute), or null when none was. */
  configFile: string | null;
  host: string;
  port: number;
  dataDir: string;
  regionId: string;
  logLevel: LogLevel;
  production: boolean;
  bodyLimitBytes: number;
  /** Parsing limits and the failed-authentication throttle (`http:`). */
  http: HttpConfig;
  /** Browser origins allowed per surface family (`cors:`); empty: no CORS headers are ever written. */
  cors: CorsConfig;
  databaseWriteUrl: string | null;
  databaseReadUrl: string | null;
  /** The replica lag beyond which lag-tolerant reads fall back to the primary (`DATABASE_READ_MAX_LAG_MS`). */
  databaseReadMaxLagMs: number;
  /**
   * `auto`: apply pending migrations at start (the default, so `npm start` sets everything up). `off`: refuse to
   * start on a database that is not at this build's schema; `gatehouse migrate` applies them (`GATEHOUSE_MIGRATE`).
   */
  migrate: 'auto' | 'off';
  /** SQLite's `synchronous` pragma (`GATEHOUSE_SQLITE_SYNCHRONOUS`): `normal` or `full`. */
  sqliteSynchronous: 'normal' | 'full';
  redisUrl: string | null;
  keyHashing: 'hmac' | 'argon2id';
  masterKeys: MasterKeys;
  /**
   * `thread`: seal and commit audit events on a worker thread (default) instead of the request thread.
   * `durableTimeoutMs`: how long a response's last bytes wait for its event's commit (then the connection drops).
   * `checkpoints`: signed checkpoints of every chain's head, and their sinks (none: off).
   */
  audit: {
    queueLimit: number;
    batchSize: number;
    flushIntervalMs: number;
    thread: boolean;
    durableTimeoutMs: number;
    checkpoints: CheckpointConfig;
    /** The SIEM webhook committed events are streamed to; null when none is configured. */
    export: AuditWebhookSink | null;
  };
  /** How often each instance polls the store for key/policy changes; revocation must land within 1 s. */
  snapshotRefreshMs: number;
  /** The gateway's external origin (`GATEHOUSE_PUBLIC_URL`), without a trailing slash; null when unset. */
  publicUrl: string | null;
  /** The OIDC issuer trusted for admin JWTs; null when JWT authentication is off. */
  oidc: OidcConfig | null;
  /** MCP servers, pinning and capability settings, with `${ENV}` references resolved. */
  mcp: McpConfig;
  /** Tracing, OTLP metrics and the access log: `telemetry:` in the file, then the standard OTEL_* variables. */
  telemetry: TelemetryConfig;
  /** The validated file, for sections owned by other areas (upstreams, MCP, vault). */
  file: FileConfig;
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  configPath?: string | null;
}

const DEFAULT_BODY_LIMIT = 10 * 1024 * 1024;

function readConfigFile(path: string): FileConfig {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(path, `cannot be read as YAML: ${(error as Error).message}`);
  }
  if (raw === null || raw === undefined) return {};
  const first = Value.Errors(FileConfigSchema, raw).First();
  if (first) {
    const field = first.path === '' ? path : `${path}:${first.path.slice(1).replaceAll('/', '.')}`;
    throw new ConfigError(field, first.message);
  }
  return raw as FileConfig;
}

function parseInteger(value: string, field: string, min: number, max: number): number {
  if (!/^\d+$/.test(value)) throw new ConfigError(field, 'must be a whole number');
  const parsed = Number(value);
  if (parsed < min || parsed > max) throw new ConfigError(field, `must be between ${min} and ${max}`);
  return parsed;
}

function parseLogLevel(value: string, field: string): LogLevel {
  const levels: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (!levels.includes(value as LogLevel)) throw new ConfigError(field, `must be one of ${levels.join(', ')}`);
  return value as LogLevel;
}

function parseUrl(value: string | undefined, field: string, protocols: string[]): string | null {
  if (!value) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(field, 'is not a valid URL');
  }
  if (!protocols.includes(url.protocol)) throw new ConfigError(field, `must use ${protocols.join(' or ')}`);
  return value;
}

/**
 * Builds the effective configuration: defaults, then the YAML file, then environment variables.
 * Every failure is a `ConfigError` naming the field.
 */
/** Read when neither `--config` nor `GATEHOUSE_CONFIG` names a file and it exists in the working directory. */
export const DEFAULT_CONFIG_FILE = 'gatehouse.yaml';

export function loadConfig(options: LoadConfigOptions = {}): GatehouseConfig {
  const env = readSecretFiles(options.env ?? process.env);
  // The server and the CLI look in the same places, in the same order: --config, GATEHOUSE_CONFIG, ./gatehouse.yaml.
  const configPath =
    options.configPath ?? env.GATEHOUSE_CONFIG ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : null);
  const file = configPath ? readConfigFile(configPath) : {};
  const production = env.NODE_ENV === 'production';
  const dataDir = resolve(env.GATEHOUSE_DATA_DIR ?? file.data_dir ?? '.gatehouse');
  const pgProtocols = ['postgres:', 'postgresql:'];
  const databaseWriteUrl = parseUrl(
    env.DATABASE_WRITE_URL ?? file.database?.write_url,
    'DATABASE_WRITE_URL',
    pgProtocols,
  );
  const databaseReadUrl = parseUrl(env.DATABASE_READ_URL ?? file.database?.read_url, 'DATABASE_READ_URL', pgProtocols);
  if (databaseReadUrl && !databaseWriteUrl) {
    throw new ConfigError('DATABASE_READ_URL', 'needs DATABASE_WRITE_URL: a replica without a primary');
  }
  const regionId = env.REGION_ID ?? file.region_id ?? 'local';
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(regionId))
    throw new ConfigError('REGION_ID', 'must match [a-z0-9][a-z0-9-]{0,62}');
  const publicUrl = resolvePublicUrl(env.GATEHOUSE_PUBLIC_URL ?? file.public_url);
  const migrate = env.GATEHOUSE_MIGRATE ?? file.database?.migrate ?? 'auto';
  if (migrate !== 'auto' && migrate !== 'off') throw new ConfigError('GATEHOUSE_MIGRATE', 'must be auto or off');
  const sqliteSynchronous = (env.GATEHOUSE_SQLITE_SYNCHRONOUS ?? file.database?.sqlite_synchronous ?? 'normal')
    .toLowerCase()
    .trim();
  if (sqliteSynchronous !== 'normal' && sqliteSynchronous !== 'full')
    throw new ConfigError('GATEHOUSE_SQLITE_SYNCHRONOUS', 'must be normal or full');
  const hashing = env.GATEHOUSE_KEY_HASHING ?? file.keys?.hashing ?? 'hmac';
  if (hashing !== 'hmac' && hashing !== 'argon2id')
    throw new ConfigError('GATEHOUSE_KEY_HASHING', 'must be hmac or argon2id');

  return {
    configFile: configPath === null ? null : resolve(configPath),
    host: env.HOST ?? file.host ?? '127.0.0.1',
    port: env.PORT !== undefined ? parseInteger(env.PORT, 'PORT', 0, 65535) : (file.port ?? 8080),
    dataDir,
    regionId,
    logLevel: env.LOG_LEVEL ? parseLogLevel(env.LOG_LEVEL, 'LOG_LEVEL') : (file.log_level ?? 'info'),
    production,
    bodyLimitBytes:
      env.GATEHOUSE_BODY_LIMIT !== undefined
        ? parseInteger(env.GATEHOUSE_BODY_LIMIT, 'GATEHOUSE_BODY_LIMIT', 1024, 2 ** 31)
        : (file.body_limit_bytes ?? DEFAULT_BODY_LIMIT),
    http: resolveHttpConfig(file.http),
    cors: resolveCorsConfig(file.cors),
    databaseWriteUrl,
    databaseReadUrl,
    databaseReadMaxLagMs:
      env.DATABASE_READ_MAX_LAG_MS !== undefined
        ? parseInteger(env.DATABASE_READ_MAX_LAG_MS, 'DATABASE_READ_MAX_LAG_MS', 100, 3_600_000)
        : (file.database?.read_max_lag_ms ?? 5000),
    migrate,
    sqliteSynchronous,
    redisUrl: parseUrl(env.REDIS_URL ?? file.redis_url, 'REDIS_URL', ['redis:', 'rediss:']),
    keyHashing: hashing,
    masterKeys: resolveMasterKeys(env, dataDir, production),
    audit: {
      queueLimit: file.audit?.queue_limit ?? 10_000,
      batchSize: file.audit?.batch_size ?? 512,
      flushIntervalMs: file.audit?.flush_interval_ms ?? 0,
      thread: file.audit?.thread ?? true,
      durableTimeoutMs: file.audit?.durable_timeout_ms ?? 30_000,
      checkpoints: resolveCheckpointConfig(file.audit?.checkpoints, env, dataDir),
      export: resolveAuditExport(file.audit?.export, env),
    },
    snapshotRefreshMs: 250,
    publicUrl,
    oidc: resolveOidcConfig(file.oidc, publicUrl, env.GATEHOUSE_OIDC_CLIENT_SECRET),
    mcp: resolveMcpConfig(file.mcp, env, { oidc: file.oidc !== undefined }),
    telemetry: resolveTelemetryConfig(file.telemetry, env),
    file,
  };
}
