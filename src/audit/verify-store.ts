import { type ChainVerification, verifyChain } from '../domain/audit/index.ts';
import { auditRepository, type Store } from '../store/index.ts';

/**
 * The indexed columns are a second copy of fields inside the hashed body. They are laid over the body before
 * verification, so editing a column (to hide an event from queries, say) breaks the hash just like editing the body.
 */
async function* storedEvents(store: Store, chainId: string): AsyncGenerator<unknown> {
  for await (const { row, event } of auditRepository.readChain(store.read, chainId)) {
    if (event === null || typeof event !== 'object') {
      yield { id: row.id, seq: row.seq, chain_id: row.chain_id };
      continue;
    }
    yield {
      ...(event as Record<string, unknown>),
      chain_id: row.chain_id,
      seq: row.seq,
      id: row.id,
      ts: row.ts,
      request_id: row.request_id,
      surface: row.surface,
      status: row.status,
      outcome: row.outcome,
      hash: row.hash,
    };
  }
}

/** Verifies every chain in the store against its recorded head; chains with events but no head row are included. */
export async function verifyStoredChains(store: Store): Promise<ChainVerification[]> {
  const heads = await auditRepository.listChainHeads(store.read);
  const headless = (await auditRepository.listEventChainIds(store.read)).filter(
    (chainId) => !heads.some((head) => head.chainId === chainId),
  );
  const results: ChainVerification[] = [];
  for (const head of heads) {
    results.push(
      await verifyChain(storedEvents(store, head.chainId), {
        chainId: head.chainId,
        expectedHead: { seq: head.headSeq, hash: head.headHash },
      }),
    );
  }
  for (const chainId of headless) {
    const result = await verifyChain(storedEvents(store, chainId), { chainId });
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
