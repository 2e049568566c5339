import type SqliteDatabase from 'better-sqlite3';
import { type Kysely, sql } from 'kysely';
import { type AuditEvent, auditSearchFields } from '../../domain/audit/index.ts';
import type { Store } from '../connect.ts';
import type { AuditEventsTable, Database } from '../schema.ts';
import { addUsage, type UsageIncrement } from './usage.ts';

export interface ChainHead {
  chainId: string;
  region: string;
  startedAt: number;
  headSeq: number;
  headHash: string;
}

function toRow(event: AuditEvent): AuditEventsTable {
  return {
    chain_id: event.chain_id,
    seq: event.seq,
    id: event.id,
    ts: event.ts,
    request_id: event.request_id,
    principal_id: event.principal?.id ?? null,
    tenant_id: event.principal?.tenant_id ?? null,
    surface: event.surface,
    status: event.status,
    outcome: event.outcome,
    hash: event.hash,
    body: JSON.stringify(event),
    ...auditSearchFields(event),
  };
}

const COLUMNS =
  'chain_id, seq, id, ts, request_id, principal_id, tenant_id, surface, status, outcome, hash, body, team_id, model, trace_id, session_id';

/** Prepared statements per SQLite handle: preparing a statement costs more than executing it (bench profile). */
const sqliteStatements = new WeakMap<
  SqliteDatabase.Database,
  {
    insert: SqliteDatabase.Statement;
    head: SqliteDatabase.Statement;
    batch: (events: AuditEvent[], head: unknown[], usage: readonly UsageIncrement[]) => void;
  }
>();

function sqliteAppender(database: SqliteDatabase.Database) {
  let cached = sqliteStatements.get(database);
  if (!cached) {
    const insert = database.prepare(
      `insert into audit_events (${COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const head = database.prepare(
      `insert into audit_chains (chain_id, region, started_at, head_seq, head_hash, updated_at) values (?, ?, ?, ?, ?, ?)
       on conflict (chain_id) do update set head_seq = excluded.head_seq, head_hash = excluded.head_hash, updated_at = excluded.updated_at`,
    );
    const spend = database.prepare(
      `insert into usage_daily (day, tenant_id, team_id, key_id, model, session, requests, prompt_tokens,
         completion_tokens, total_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, unpriced_requests,
         unpriced_tokens, cost_usd, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       on conflict (day, tenant_id, team_id, key_id, model, session) do update set
         requests = requests + excluded.requests,
         prompt_tokens = prompt_tokens + excluded.prompt_tokens,
         completion_tokens = completion_tokens + excluded.completion_tokens,
         total_tokens = total_tokens + excluded.total_tokens,
         cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,
         cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens,
         reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
         unpriced_requests = unpriced_requests + excluded.unpriced_requests,
         unpriced_tokens = unpriced_tokens + excluded.unpriced_tokens,
         cost_usd = cost_usd + excluded.cost_usd, updated_at = excluded.updated_at`,
    );
    const batch = database.transaction((events: AuditEvent[], headRow: unknown[], usage: readonly UsageIncrement[]) => {
      // Positional, in COLUMNS order, straight from the event: no row object or values array per event.
      for (const event of events) {
        const { principal } = event;
        const search = auditSearchFields(event);
        insert.run(
          event.chain_id,
          event.seq,
          event.id,
          event.ts,
          event.request_id,
          principal?.id ?? null,
          principal?.tenant_id ?? null,
          event.surface,
          event.status,
          event.outcome,
          event.hash,
          JSON.stringify(event),
          search.team_id,
          search.model,
          search.trace_id,
          search.session_id,
        );
      }
      head.run(headRow);
      const now = headRow[5];
      for (const u of usage) {
        spend.run(
          u.day,
          u.tenantId,
          u.teamId,
          u.keyId,
          u.model,
          u.session,
          u.requests,
          u.promptTokens,
          u.completionTokens,
          u.totalTokens,
          u.cacheReadTokens,
          u.cacheWriteTokens,
          u.reasoningTokens,
          u.unpricedRequests,
          u.unpricedTokens,
          u.costUsd,
          now,
        );
      }
    });
    cached = { insert, head, batch };
    sqliteStatements.set(database, cached);
  }
  return cached.batch;
}

/**
 * Group commit: one transaction appends a batch of sealed events of one chain, moves the chain head, and adds the
 * batch's spend to the `usage_daily` ledger. The head recorded in `audit_chains` always matches the last stored
 * event (that is how truncation is detected), and the ledger always holds exactly the spend of the stored events
 * (issue 14: a crash can neither lose spend whose event survived nor keep spend whose event was lost).
 * `usage` must hold each (day, tenant, team, key, model, session) at most once (PostgreSQL refuses to update one row twice
 * in one ON CONFLICT statement).
 * SQLite runs cached prepared statements; PostgreSQL sends the whole batch as one `unnest` insert (16 array
 * parameters whatever the batch size), rather than a query built and parsed per batch.
 */
export async function appendAuditBatch(
  store: Store,
  chain: { chainId: string; region: string; startedAt: number },
  events: AuditEvent[],
  usage: readonly UsageIncrement[] = [],
): Promise<void> {
  const last = events.at(-1);
  if (!last) return;
  const now = Date.now();
  const headRow = [chain.chainId, chain.region, chain.startedAt, last.seq, last.hash, now];
  if (store.sqlite) {
    sqliteAppender(store.sqlite)(events, headRow, usage);
    return;
  }
  const rows = events.map(toRow);
  const column = <K extends keyof AuditEventsTable>(key: K) => rows.map((row) => row[key]);
  await store.write.transaction().execute(async (trx) => {
    await sql`insert into audit_events (${sql.raw(COLUMNS)})
      select * from unnest(${column('chain_id')}::text[], ${column('seq')}::bigint[], ${column('id')}::text[],
        ${column('ts')}::text[], ${column('request_id')}::text[], ${column('principal_id')}::text[],
        ${column('tenant_id')}::text[], ${column('surface')}::text[], ${column('status')}::int[],
        ${column('outcome')}::text[], ${column('hash')}::text[], ${column('body')}::text[],
        ${column('team_id')}::text[], ${column('model')}::text[], ${column('trace_id')}::text[],
        ${column('session_id')}::text[])`.execute(trx);
    await trx
      .insertInto('audit_chains')
      .values({
        chain_id: chain.chainId,
        region: chain.region,
        started_at: chain.startedAt,
        head_seq: last.seq,
        head_hash: last.hash,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.column('chain_id').doUpdateSet({ head_seq: last.seq, head_hash: last.hash, updated_at: now }),
      )
      .execute();
    await addUsage(trx, usage, now);
  });
}

/** Which of `ids` are already stored: a restarted audit worker drops those before re-sealing what it was handed. */
export async function storedAuditEventIds(db: Kysely<Database>, ids: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  // Bounded IN lists: SQLite caps bound parameters per statement.
  for (let start = 0; start < ids.length; start += 500) {
    const rows = await db
      .selectFrom('audit_events')
      .select('id')
      .where('id', 'in', ids.slice(start, start + 500))
      .execute();
    for (const row of rows) found.add(row.id);
  }
  return found;
}

export async function listChainHeads(db: Kysely<Database>): Promise<ChainHead[]> {
  const rows = await db.selectFrom('audit_chains').selectAll().orderBy('started_at').orderBy('chain_id').execute();
  return rows.map((row) => ({
    chainId: row.chain_id,
    region: row.region,
    startedAt: Number(row.started_at),
    headSeq: Number(row.head_seq),
    headHash: row.head_hash,
  }));
}

/** Chains that have events but no head row (a deleted head row must not hide a chain from verification). */
export async function listEventChainIds(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('audit_events').select('chain_id').distinct().execute();
  return rows.map((row) => row.chain_id);
}

export interface StoredAuditEvent {
  row: AuditEventsTable;
  event: unknown;
}

/** Streams one chain's events in seq order, a page at a time, so verifying a long chain stays in constant memory. */
export async function* readChain(
  db: Kysely<Database>,
  chainId: string,
  pageSize = 1000,
): AsyncGenerator<StoredAuditEvent> {
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('audit_events')
      .selectAll()
      .where('chain_id', '=', chainId)
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(pageSize)
      .execute();
    for (const row of rows) {
      let event: unknown;
      try {
        event = JSON.parse(row.body);
      } catch {
        event = null;
      }
      yield { row: { ...row, seq: Number(row.seq) }, event };
    }
    if (rows.length < pageSize) return;
    after = Number(rows.at(-1)?.seq);
  }
}

export interface AuditQuery {
  since?: string;
  until?: string;
  surface?: string;
  principalId?: string;
  tenantId?: string;
  teamId?: string;
  outcome?: string;
  requestId?: string;
  traceId?: string;
  model?: string;
  sessionId?: string;
  /** An exact status, or a class as its lower and upper bound (`5xx` is 500..599). */
  status?: number | { min: number; max: number };
  /** Keyset position: only events strictly after it in `order` (the last event of the previous page). */
  after?: { ts: string; id: string };
  limit: number;
  order: 'asc' | 'desc';
}

export interface AuditPage {
  events: unknown[];
  /** Position of the last event returned when the page was full, else null (nothing more matched). */
  last: { ts: string; id: string } | null;
}

/** Filters AND together; every filter has an index (migration 008), and pages are keyset, never OFFSET. */
export async function queryAuditEvents(db: Kysely<Database>, query: AuditQuery): Promise<AuditPage> {
  let q = db.selectFrom('audit_events').select(['body', 'ts', 'id']);
  if (query.since) q = q.where('ts', '>=', query.since);
  if (query.until) q = q.where('ts', '<', query.until);
  if (query.surface) q = q.where('surface', '=', query.surface);
  if (query.principalId) q = q.where('principal_id', '=', query.principalId);
  if (query.tenantId) q = q.where('tenant_id', '=', query.tenantId);
  if (query.teamId) q = q.where('team_id', '=', query.teamId);
  if (query.outcome) q = q.where('outcome', '=', query.outcome);
  if (query.requestId) q = q.where('request_id', '=', query.requestId);
  if (query.traceId) q = q.where('trace_id', '=', query.traceId);
  if (query.model) q = q.where('model', '=', query.model);
  if (query.sessionId) q = q.where('session_id', '=', query.sessionId);
  const { status, after } = query;
  if (typeof status === 'number') q = q.where('status', '=', status);
  else if (status !== undefined) q = q.where('status', '>=', status.min).where('status', '<=', status.max);
  if (after !== undefined) {
    const op = query.order === 'desc' ? '<' : '>';
    q = q.where((eb) => eb.or([eb('ts', op, after.ts), eb.and([eb('ts', '=', after.ts), eb('id', op, after.id)])]));
  }
  const rows = await q.orderBy('ts', query.order).orderBy('id', query.order).limit(query.limit).execute();
  const tail = rows.at(-1);
  return {
    events: rows.map((row) => JSON.parse(row.body)),
    last: rows.length === query.limit && tail !== undefined ? { ts: tail.ts, id: tail.id } : null,
  };
}

/** The highest acknowledged `seq` per chain for one export sink. */
export async function readExportCursors(db: Kysely<Database>, sink: string): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('audit_export_cursors')
    .select(['chain_id', 'seq'])
    .where('sink', '=', sink)
    .execute();
  return new Map(rows.map((row) => [row.chain_id, Number(row.seq)]));
}

export async function writeExportCursor(
  db: Kysely<Database>,
  sink: string,
  chainId: string,
  seq: number,
): Promise<void> {
  const now = Date.now();
  await db
    .insertInto('audit_export_cursors')
    .values({ sink, chain_id: chainId, seq, updated_at: now })
    .onConflict((oc) => oc.columns(['sink', 'chain_id']).doUpdateSet({ seq, updated_at: now }))
    .execute();
}

/** Stored bodies of one chain after `afterSeq`, in seq order, at most `limit`. */
export async function readChainAfter(
  db: Kysely<Database>,
  chainId: string,
  afterSeq: number,
  limit: number,
): Promise<Array<{ seq: number; body: string }>> {
  const rows = await db
    .selectFrom('audit_events')
    .select(['seq', 'body'])
    .where('chain_id', '=', chainId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ seq: Number(row.seq), body: row.body }));
}
