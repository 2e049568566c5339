import type { FastifyBaseLogger } from 'fastify';
import type { RequestContext } from '../context.ts';
import type { GatewayPipelineDeps } from './deps.ts';

/**
 * Pipeline stage "settle" (DESIGN §1): once a request has ended, whichever way, its admission ticket is corrected
 * from the reservation to the usage the handler recorded, exactly once, before the audit event is written. A
 * streaming handler that is still accounting (`context.pending`) is waited for first, so an aborted stream settles
 * with the usage it consumed. The cost admission computed goes into the audit event's usage.
 */
export async function settleRequest(
  deps: GatewayPipelineDeps,
  context: RequestContext,
  logger: FastifyBaseLogger,
): Promise<void> {
  if (context.pending !== null) await context.pending.catch(() => {});
  const ticket = context.ticket;
  if (ticket === null) return;
  context.ticket = null;
  try {
    const settled = await deps.admission.settle(ticket, {
      usage: context.usage,
      aborted: context.aborted,
      failed: context.errorCode !== null,
    });
    if (settled.costUsd !== null && context.usage !== null) context.usage.cost_usd = settled.costUsd;
  } catch (error) {
    logger.error({ err: error, request_id: context.requestId }, 'settling usage failed');
  }
}
