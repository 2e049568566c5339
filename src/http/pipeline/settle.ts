import type { FastifyBaseLogger } from 'fastify';
import type { LedgerDelta } from '../../domain/limits/index.ts';
import type { RequestContext } from '../context.ts';
import type { GatewayPipelineDeps } from './deps.ts';

/**
 * Pipeline stage "settle" (DESIGN §1), in two steps around the audit commit. `measureRequest` runs once the
 * request has ended, whichever way, and after a streaming handler still accounting (`context.pending`) is done, so
 * an aborted stream is measured with the usage it consumed: it turns the admission ticket into the request's
 * ledger delta, which the audit writer commits with the event. The cost admission computed goes into the event.
 * `settleRequest` runs after that commit and corrects the shared counters from the reservation to the usage, so
 * a counter rebuilt from the ledger never misses a request it already counted (README "Reliability").
 */
export function measureRequest(
  deps: GatewayPipelineDeps,
  context: RequestContext,
  logger: FastifyBaseLogger,
): LedgerDelta | null {
  const ticket = context.ticket;
  if (ticket === null) return null;
  try {
    const measured = deps.admission.measure(ticket, {
      usage: context.usage,
      aborted: context.aborted,
      failed: context.errorCode !== null,
    });
    if (measured.costUsd !== null && context.usage !== null) context.usage.cost_usd = measured.costUsd;
    return measured.delta;
  } catch (error) {
    logger.error({ err: error, request_id: context.requestId }, 'measuring usage failed');
    return null;
  }
}

/** Corrects the shared counters, once, after the request's event and ledger delta are committed. */
export async function settleRequest(
  deps: GatewayPipelineDeps,
  context: RequestContext,
  logger: FastifyBaseLogger,
): Promise<void> {
  const ticket = context.ticket;
  if (ticket === null) return;
  context.ticket = null;
  try {
    await deps.admission.settle(ticket);
  } catch (error) {
    logger.error({ err: error, request_id: context.requestId }, 'settling usage failed');
  }
}
