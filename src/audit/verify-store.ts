import type { Kysely } from 'kysely';
import {
  type AuditEvent,
  auditSearchFields,
  type ChainHead,
  type ChainVerification,
  verifyChain,
} from '../domain/audit/index.ts';
import { auditRepository, type Database, type Store } from '../store/index.ts';
import type { AuditEventsTable } from '../store/schema.ts';

interface ColumnMismatch {
  seq: number;
  id: string;
  column: string;
}

/** The indexed columns are a second copy of fields inside the hashed body; any disagreement is tampering. */
function findColumnMismatch(row: AuditEventsTable, event: Record<string, unknown>): string | null {
  const principal = (event.principal ?? null) as { id?: string; tenant_id?: string | null } | null;
  const expected: Array<[string, unknown, unknown]> = [
    ['chain_id', row.chain_id, event.chain_id],
    ['seq', Number(row.seq), event.seq],
    ['id', row.id, event.id],
    ['ts', row.ts, event.ts],
    ['request_id', row.request_id, event.request_id],
    ['surface', row.surface, event.surface],
    ['status', Number(row.status), event.status],
    ['outcome', row.outcome, event.outcome],
    ['hash', row.hash, event.hash],
    ['principal_id', row.principal_id, principal?.id ?? null],
    ['tenant_id', row.tenant_id, principal?.tenant_id ?? null],
  ];
  // A malformed body fails its hash or schema check anyway; here it only needs to be readable.
  const meta = typeof event.meta === 'object' && event.meta !== null ? event.meta : {};
  const search = auditSearchFields({ ...(event as Pick<AuditEvent, 'principal' | 'trace_id'>), meta } as AuditEvent);
  // Rows written before the search columns existed were backfilled, so every row must agree.
  for (const column of ['team_id', 'model', 'trace_id', 'session_id'] as const) {
    expected.push([column, row[column] ?? null, search[column]]);
  }
  for (const [column, stored, hashed] of expected) if (stored !== hashed) return column;
  return null;
}

/**
 * Yields the hashed bodies as stored (so an edited body breaks its hash) and stops at the first row whose indexed
 * columns disagree with its body (so an edited column, used by queries and exports, cannot hide an event either).
 */
async function* storedEvents(
  db: Kysely<Database>,
  chainId: string,
  onMismatch: (m: ColumnMismatch) => void,
): AsyncGenerator<unknown> {
  for await (const { row, event } of auditRepository.readChain(db, chainId)) {
    if (event === null || typeof event !== 'object') {
      yield { id: row.id, seq: Number(row.seq), chain_id: row.chain_id };
      continue;
    }
    const column = findColumnMismatch(row, event as Record<string, unknown>);
    if (column !== null) {
      onMismatch({ seq: Number(row.seq), id: row.id, column });
      return;
    }
    yield event;
  }
}

async function verifyOne(
  db: Kysely<Database>,
  chainId: string,
  expectedHead: ChainHead | undefined,
  checkpoints: readonly ChainHead[],
) {
  let mismatch: ColumnMismatch | null = null;
  const result = await verifyChain(
    storedEvents(db, chainId, (m) => {
      mismatch = m;
    }),
    { chainId, checkpoints, ...(expectedHead ? { expectedHead } : {}) },
  );
  const found = mismatch as ColumnMismatch | null;
  if (found === null || (!result.ok && result.firstBroken.seq < found.seq)) return result;
  return {
    ok: false as const,
    chainId,
    count: found.seq - 1,
    firstBroken: {
      seq: found.seq,
      id: found.id,
      reason: found.column === 'seq' ? ('seq_order' as const) : ('hash_mismatch' as const),
      detail: `indexed column ${found.column} disagrees with the hashed event`,
    },
  };
}

export interface VerifyStoredChainsOptions {
  /**
   * Per chain, the heads recorded by signed checkpoints (`CheckpointCollector`): each chain must reach every one,
   * hash for hash, and a checkpointed chain missing from the store altogether is reported as truncated.
   */
  checkpoints?: ReadonlyMap<string, readonly ChainHead[]>;
}

/**
 * Verifies every chain in the store against its recorded head and any checkpoints; chains with events but no head
 * row are included, and so are checkpointed chains the store no longer has.
 */
export async function verifyStoredChains(
  store: Store,
  options: VerifyStoredChainsOptions = {},
): Promise<ChainVerification[]> {
  const checkpoints = options.checkpoints ?? new Map<string, readonly ChainHead[]>();
  // Checkpoints record the primary's heads: a replica a second behind would look truncated against them.
  const db = options.checkpoints === undefined ? store.read : store.write;
  const heads = await auditRepository.listChainHeads(db);
  const known = new Set(heads.map((head) => head.chainId));
  const headless = (await auditRepository.listEventChainIds(db)).filter((chainId) => !known.has(chainId));
  for (const chainId of headless) known.add(chainId);
  const results: ChainVerification[] = [];
  for (const head of heads) {
    const expected = { seq: head.headSeq, hash: head.headHash };
    results.push(await verifyOne(db, head.chainId, expected, checkpoints.get(head.chainId) ?? []));
  }
  for (const [chainId, signed] of checkpoints) {
    if (!known.has(chainId)) results.push(await verifyOne(db, chainId, undefined, signed));
  }
  for (const chainId of headless) {
    const result = await verifyOne(db, chainId, undefined, checkpoints.get(chainId) ?? []);
    // Events and their head are committed in one transaction, so events without a head row mean the row was
    // deleted, and with it the only record of where the chain ended.
    results.push(
      result.ok
        ? {
            ok: false,
            chainId,
            count: result.count,
            firstBroken: {
              seq: result.head.seq,
              id: null,
              reason: 'truncated',
              detail: 'the chain head record is missing',
            },
          }
        : result,
    );
  }
  return results;
}
