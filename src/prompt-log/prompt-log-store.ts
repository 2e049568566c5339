/**
 * @module Opt-in prompt logging (DESIGN §2 invariant 4: prompts are never logged unless the key opted in, then with
 * a TTL and purge). A key opts in with `settings.prompt_log.ttl_s`; the operator caps every TTL
 * (`telemetry.prompt_log.max_ttl_s`, 0 turns the feature off). Each logged call is one envelope, encrypted under
 * the KEK like every secret with AAD binding it to its request id, so a row copied onto another request does not
 * open. Expired rows are unreadable at once and deleted by the purge that runs every minute.
 */
import type { Logger } from 'pino';
import { type KekProvider, parseEnvelope } from '../domain/secrets/index.ts';
import type { Store } from '../store/index.ts';

const OWNER = 'prompt-log';
const PURGE_INTERVAL_MS = 60_000;

export interface PromptLogRecord {
  requestId: string;
  keyId: string;
  tenantId: string | null;
  teamId: string | null;
  /** The key's opt-in (`settings.prompt_log`); nothing is stored without one. */
  optIn: unknown;
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
  /** The operator's cap on every key's TTL, in seconds; 0 disables prompt logging whatever keys ask for. */
  maxTtlS: number;
  logger?: Logger;
  now?: () => number;
}

/** The TTL in ms a key's settings ask for, capped; null when the key did not opt in (or the cap is 0). */
export function promptLogTtlMs(optIn: unknown, maxTtlS: number): number | null {
  if (maxTtlS <= 0 || typeof optIn !== 'object' || optIn === null) return null;
  const ttl = (optIn as { ttl_s?: unknown }).ttl_s;
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) return null;
  return Math.min(ttl, maxTtlS) * 1000;
}

/** What the LLM routes use: whether an opt-in stores anything (so nothing is captured otherwise), and the write. */
export interface PromptLogRecorder {
  accepts(optIn: unknown): boolean;
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

  accepts(optIn: unknown): boolean {
    return promptLogTtlMs(optIn, this.#options.maxTtlS) !== null;
  }

  /** Stores the call when its key opted in; returns whether it did. Never stores for a key that did not. */
  async record(record: PromptLogRecord): Promise<boolean> {
    const ttlMs = promptLogTtlMs(record.optIn, this.#options.maxTtlS);
    if (ttlMs === null) return false;
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
