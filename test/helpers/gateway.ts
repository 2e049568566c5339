/**
 * @module
 * Starts a real gateway in-process on 127.0.0.1:0 (SQLite or PostgreSQL), with helpers to issue identities, read
 * back audit events, run the CLI against the same data, and spawn the real server process. Reusable by every
 * integration suite (core, LLM, MCP, vault).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { afterAll } from 'vitest';
import { runCli } from '../../src/cli/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import type { AuditEvent } from '../../src/domain/audit/index.ts';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import type { Surface } from '../../src/http/surfaces.ts';
import type { KeyRecord, Store, TeamRecord, TenantRecord } from '../../src/store/index.ts';
import { createTestDatabase } from './services.ts';

export type StoreKind = 'sqlite' | 'postgres';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
/**
 * Node arguments that run the `gatehouse` command from source: the entry `dist/cli.js` is built from, so tests see
 * the sources under test, never a stale build (the build itself is tested in `test/integration/build/`).
 */
export const CLI_FROM_SOURCE = ['--import', 'tsx', 'src/cli/main.ts'];

/** Where a gateway keeps its data: a temp dir, its env, and (for PostgreSQL) a throwaway database. */
export interface GatewayEnvironment {
  store: StoreKind;
  dataDir: string;
  /** Everything `loadConfig` needs; pass it to child processes and to `runCliWithEnv`. */
  env: Record<string, string>;
  /** Removes the data dir and drops the database. */
  dispose(): Promise<void>;
}

/**
 * Every directory made here is removed after the test file that made it, whether or not its test disposed of it
 * (a test worker is not guaranteed an orderly `exit`, so this is a file-level hook, not a process one).
 */
const tempDirs = new Set<string>();
try {
  afterAll(() => {
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
    tempDirs.clear();
  });
} catch {
  // Imported by a helper process a test spawns (no test file, so no suite to hook): nothing to clean up there.
}

export function createTempDir(prefix = 'gatehouse-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function randomMasterKey(): string {
  return randomBytes(32).toString('hex');
}

export async function createGatewayEnvironment(
  store: StoreKind = 'sqlite',
  extra: Record<string, string> = {},
): Promise<GatewayEnvironment> {
  const dataDir = createTempDir();
  const database = store === 'postgres' ? await createTestDatabase() : null;
  const env: Record<string, string> = {
    GATEHOUSE_DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    GATEHOUSE_MASTER_KEY: randomMasterKey(),
    ...(database ? { DATABASE_WRITE_URL: database.url } : {}),
    ...extra,
  };
  return {
    store,
    dataDir,
    env,
    async dispose() {
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Points the environment at a config file with one OpenAI-compatible upstream serving `model`. */
export function useOneUpstreamConfig(environment: GatewayEnvironment, origin: string, model: string): void {
  const configFile = join(environment.dataDir, 'gatehouse.yaml');
  writeFileSync(
    configFile,
    [
      'upstreams:',
      `  - { id: only, provider: openai, base_url: "${origin}/v1", api_keys: [unused] }`,
      'models:',
      `  - { name: ${model}, targets: [{ upstream: only, model: ${model} }] }`,
      '',
    ].join('\n'),
  );
  environment.env.GATEHOUSE_CONFIG = configFile;
}

/** The chains `gatehouse audit verify --json` printed, one JSON line each. */
export function verifiedChains(stdout: string): Array<{ ok: boolean; count: number }> {
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { ok: boolean; count: number });
}

export interface TestIdentity {
  tenant: TenantRecord;
  team: TeamRecord;
  key: string;
  record: KeyRecord;
  /** `{ authorization: 'Bearer <key>' }`, ready for undici `request`. */
  headers: Record<string, string>;
}

export interface StartGatewayOptions {
  /** Listen on this loopback port (a test that must name the gateway's URL in its config); any free one when absent. */
  port?: number;
  store?: StoreKind;
  /** Reuse an environment (to restart against the same data); it is then not disposed by `dispose()`. */
  environment?: GatewayEnvironment;
  /** Extra env overrides on top of the environment's. */
  env?: Record<string, string>;
  /**
   * Test-only surface families, each a Fastify plugin, with their surface entries, registered by `createGateway`.
   */
  families?: Array<(app: FastifyInstance) => Promise<void>>;
  surfaces?: readonly Surface[];
  /** Serve this console build instead of the checkout's `console/dist`. */
  consoleAssetsDir?: string;
}

export interface TestGateway {
  gateway: Gateway;
  /** The gateway's app, listening on 127.0.0.1. */
  app: FastifyInstance;
  baseUrl: string;
  environment: GatewayEnvironment;
  createIdentity(options?: {
    tenant?: string;
    team?: string;
    name?: string;
    expiresInMs?: number;
  }): Promise<TestIdentity>;
  /** Flushes the audit writer and returns every stored event, in chain and seq order. */
  auditEvents(): Promise<AuditEvent[]>;
  /** Closes the server, drains the audit queue and closes the store; safe to call twice. */
  close(): Promise<void>;
  /** `close()`, then removes the environment unless it was passed in. */
  dispose(): Promise<void>;
}

let nameCounter = 0;
export function uniqueName(base: string): string {
  nameCounter += 1;
  return `${base}-${nameCounter}-${randomBytes(3).toString('hex')}`;
}

export async function readAuditEvents(store: Store): Promise<AuditEvent[]> {
  const rows = await store.read.selectFrom('audit_events').select('body').orderBy('chain_id').orderBy('seq').execute();
  return rows.map((row) => JSON.parse(row.body) as AuditEvent);
}

export async function startGateway(options: StartGatewayOptions = {}): Promise<TestGateway> {
  const ownsEnvironment = options.environment === undefined;
  const environment = options.environment ?? (await createGatewayEnvironment(options.store ?? 'sqlite'));
  const config = loadConfig({ env: { ...environment.env, ...options.env } });
  const gateway = await createGateway(config, {
    families: options.families,
    surfaces: options.surfaces,
    validateResponses: true,
    consoleAssetsDir: options.consoleAssetsDir,
  });
  const app = gateway.app;
  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  const { port } = app.server.address() as AddressInfo;
  let closing: Promise<void> | null = null;

  const close = () => {
    closing ??= gateway.close();
    return closing;
  };

  return {
    gateway,
    app,
    baseUrl: `http://127.0.0.1:${port}`,
    environment,
    async createIdentity(input = {}) {
      const tenant = await gateway.identity.createTenant(input.tenant ?? uniqueName('tenant'));
      const team = await gateway.identity.createTeam(tenant.id, input.team ?? uniqueName('team'));
      const issued = await gateway.identity.createKey({
        tenant: tenant.id,
        team: team.id,
        name: input.name ?? uniqueName('key'),
        expiresInMs: input.expiresInMs ?? null,
      });
      // The hot path reads the snapshot; load the new key now instead of waiting for the next poll.
      await gateway.snapshot.refresh();
      return {
        tenant,
        team,
        key: issued.key,
        record: issued.record,
        headers: { authorization: `Bearer ${issued.key}` },
      };
    },
    async auditEvents() {
      await gateway.audit.flush();
      return readAuditEvents(gateway.store);
    },
    close,
    async dispose() {
      await close();
      if (ownsEnvironment) await environment.dispose();
    },
  };
}

/** GETs `path` with a bearer token; the status and the error code of the one error shape (null on success). */
export async function getWithToken(
  baseUrl: string,
  path: string,
  token: string,
): Promise<{ status: number; code: string | null }> {
  const response = await request(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await response.body.json()) as { error?: { code: string } };
  return { status: response.statusCode, code: body.error?.code ?? null };
}

/** Polls `check` until it returns a value other than undefined/false, or fails with its last error at the deadline. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 3000, intervalMs = 20 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw lastError instanceof Error ? lastError : new Error(`condition not met within ${timeoutMs} ms`);
    }
    await new Promise((resolveSleep) => setTimeout(resolveSleep, intervalMs));
  }
}

export interface CliResult {
  code: number;
  out: string[];
  err: string[];
  /** `out` joined with newlines. */
  stdout: string;
  stderr: string;
}

let cliQueue: Promise<unknown> = Promise.resolve();

/**
 * Runs `gatehouse <argv>` in-process. `runCli` reads its configuration from `process.env`, so the env is swapped in
 * for the duration of the call (calls are serialised) and restored afterwards.
 */
export function runCliWithEnv(env: Record<string, string>, argv: string[], stdin = ''): Promise<CliResult> {
  const run = async (): Promise<CliResult> => {
    const saved = { ...process.env };
    const out: string[] = [];
    const err: string[] = [];
    for (const name of Object.keys(process.env)) {
      if (name.startsWith('GATEHOUSE_') || name.startsWith('DATABASE_') || name === 'NODE_ENV')
        delete process.env[name];
    }
    Object.assign(process.env, env);
    try {
      const code = await runCli(argv, {
        out: (text) => out.push(text),
        err: (text) => err.push(text),
        readStdin: async () => stdin,
      });
      return { code, out, err, stdout: out.join('\n'), stderr: err.join('\n') };
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
    }
  };
  const result = cliQueue.then(run, run);
  cliQueue = result.catch(() => {});
  return result;
}

export interface GatewayProcess {
  child: ChildProcess;
  baseUrl: Promise<string>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
}

export interface SpawnOptions {
  /** The entry script, relative to the repository (or absolute); `src/main.ts` by default. */
  entry?: string;
  /** The stdout line that gives the base URL in its first group; Fastify's "Server listening at" by default. */
  listening?: RegExp;
}

/**
 * Spawns the real server from source (`node --import tsx src/main.ts`), or another entry. Its base URL
 * is read from the `listening` line, so with the default the env must leave LOG_LEVEL at info or lower; PORT may be 0.
 */
export function spawnGatewayProcess(
  env: Record<string, string>,
  args: string[] = [],
  { entry = 'src/main.ts', listening = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/ }: SpawnOptions = {},
): GatewayProcess {
  // A built entry (`dist/main.js`) runs as it would in production, without the TypeScript loader.
  const loader = entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...loader, entry, ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit({ code, signal }));
  });
  const baseUrl = new Promise<string>((resolveUrl, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const match = listening.exec(stdout);
      if (match?.[1]) resolveUrl(match[1]);
    });
    exit.then(({ code }) => reject(new Error(`server exited (${code}) before listening: ${stderr}`)));
  });
  baseUrl.catch(() => {});
  return { child, baseUrl, exit, stdout: () => stdout, stderr: () => stderr };
}
