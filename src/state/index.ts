/**
 * @module Shared state: rate counters, concurrency leases, budget counters, replay guards, locks and
 * pub/sub (DESIGN §1). `main.ts` picks one implementation at startup: memory for a single process,
 * Redis when several instances serve together.
 *
 * @example
 * const state = config.redisUrl ? createRedisSharedState({ url: config.redisUrl }) : createMemorySharedState();
 * const result = await state.admit({ scopes, tokens: estimate.totalTokens, costUsd });
 * if (result.admitted) {
 *   try { … } finally { await state.settle(result.reservation, { tokens: usage.total, costUsd: cost }); }
 * }
 */
export { BudgetCountersStaleError, budgetFingerprint, StateUnavailableError } from './errors.ts';
export { createIpcSharedState, type IpcChannel, processChannel } from './ipc-shared-state.ts';
export { IpcStateHost, type WorkerPort } from './ipc-state-host.ts';
export { createMemorySharedState, type MemorySharedStateOptions } from './memory-shared-state.ts';
export { createFailFastClient, type RedisConnectionTuning } from './redis-connection.ts';
export { createRedisSharedState, type RedisSharedStateOptions } from './redis-shared-state.ts';
export type {
  MessageHandler,
  SharedState,
  SlidingWindowResult,
  SubscribeOptions,
  Unsubscribe,
} from './shared-state.ts';
