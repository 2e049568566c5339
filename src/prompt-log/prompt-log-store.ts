/**
 * @module Opt-in prompt logging (DESIGN §2 invariant 4: prompts are never logged unless the key opted in, then with
 * a TTL and purge). A key opts in with `settings.prompt_log.ttl_s`, or a whole team does with the same setting on
 * the team (see `opt-in.ts` for which wins); the operator caps every TTL (`telemetry.prompt_log.max_ttl_s`, 0
 * turns the feature off). Each logged call is one envelope, encrypted under the KEK like every secret with AAD
 * binding it to its request id, so a row copied onto another request does not open. Expired rows are unreadable
 * at once and deleted by the purge that runs every minute.
 */
import type { Logger } from 'pino';
import type { Principal } from '../domain/principal.ts';
import { type KekProvider, parseEnvelope } from '../domain/secrets/index.ts';
import type { Store } from '../store/index.ts';
import { type PromptLogOptIn, resolvePromptLogOptIn } from './opt-in.ts';

const OWNER = 'prompt-log';
const PURGE_INTERVAL_MS = 60_000;

export interface PromptLogRecord {
  requestId: string;
  keyId: string;
  tenantId: string | null;
  teamId: string | null;
  /** The caller's opt-in as resolved when the call began (`optInFor`); nothing is stored without one. */
  optIn: PromptLogOptIn | null;
  request: unknown;
  response: string;
}

export interface PromptLogEntry {
  request_id: string;
  key_id: string;
  tenant_id: string | null;
  team_id: string | null;
  created_at: string;
  expires_at: string;
  request: unknown;
  response: string;
}

export interface PromptLogStoreOptions {
  store: Store;
  kek: KekProvider;
  /** The operator's cap on every TTL, in seconds; 0 disables prompt logging whatever keys and teams ask for. */
  maxTtlS: number;
  /**
   * A team's settings as the hot path holds them (the tenant/team settings snapshot, refreshed from the store's
   * revision counter on every instance); absent, no team opt-in applies.
   */
  teamSettings?: (teamId: string) => Readonly<Record<string, unknown>>;
  logger?: Logger;
  now?: () => number;
}

/** What the LLM routes use: whether a caller's calls are stored (so nothing is captured otherwise), and the write. */
export interface PromptLogRecorder {
  /** The opt-in that applies to `principal`'s calls now: its key's setting, else its team's; null for anyone else. */
  optInFor(principal: Principal): PromptLogOptIn | null;
  record(record: PromptLogRecord): Promise<boolean>;
}

export class PromptLogStore implements PromptLogRecorder {
  readonly #options: PromptLogStoreOptions;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | null = null;

  constructor(options: PromptLogStoreOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** The operator's cap, in seconds (0: prompt logging is off). */
  get maxTtlS(): number {
    return this.#options.maxTtlS;
  }

  optInFor(principal: Principal): PromptLogOptIn | null {
    if (principal.type !== 'key') return null;
    const team =
      principal.teamId === null || this.#options.teamSettings === undefined
        ? undefined
        : this.#options.teamSettings(principal.teamId).prompt_log;
    return resolvePromptLogOptIn(principal.settings.prompt_log, team, this.#options.maxTtlS);
  }

  /** Stores the call when its caller opted in; returns whether it did. Never stores for one that did not. */
  async record(record: PromptLogRecord): Promise<boolean> {
    if (record.optIn === null || this.#options.maxTtlS <= 0) return false;
    const ttlMs = Math.min(record.optIn.ttlMs, this.#options.maxTtlS * 1000);
    if (!(ttlMs > 0)) return false;
    const plaintext = JSON.stringify({ request: record.request, response: record.response });
    const envelope = this.#options.kek.encrypt(plaintext, { owner: OWNER, id: record.requestId });
    const now = this.#now();
    await this.#options.store.write
      .insertInto('prompt_logs')
      .values({
        request_id: record.requestId,
        key_id: record.keyId,
        tenant_id: record.tenantId,
        team_id: record.teamId,
        created_at: now,
        expires_at: now + ttlMs,
        envelope: JSON.stringify(envelope),
      })
      .onConflict((oc) => oc.column('request_id').doNothing())
      .execute();
    return true;
  }

  /** The decrypted entry, or null when there is none or it has expired (even before the purge deleted it). */
  async read(requestId: string): Promise<PromptLogEntry | null> {
    const row = await this.#options.store.write
      .selectFrom('prompt_logs')
      .selectAll()
      .where('request_id', '=', requestId)
      .executeTakeFirst();
    if (row === undefined || Number(row.expires_at) <= this.#now()) return null;
    const plaintext = this.#options.kek.decrypt(parseEnvelope(JSON.parse(row.envelope)), {
      owner: OWNER,
      id: requestId,
    });
    const body = JSON.parse(plaintext.toString('utf8')) as { request: unknown; response: string };
    return {
      request_id: row.request_id,
      key_id: row.key_id,
      tenant_id: row.tenant_id,
      team_id: row.team_id,
      created_at: new Date(Number(row.created_at)).toISOString(),
      expires_at: new Date(Number(row.expires_at)).toISOString(),
      request: body.request,
      response: body.response,
    };
  }

  /** Deletes every expired entry; returns how many. */
  async purgeExpired(): Promise<number> {
    const result = await this.#options.store.write
      .deleteFrom('prompt_logs')
      .where('expires_at', '<=', this.#now())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  start(): void {
    this.#timer = setInterval(() => {
      this.purgeExpired().catch((error) => this.#options.logger?.error({ err: error }, 'prompt log purge failed'));
    }, PURGE_INTERVAL_MS);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}
