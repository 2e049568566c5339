/**
 * @module In-process `SharedState` for a single gateway process (the default). Every method runs to
 * completion inside one turn of the event loop, which is what makes each one atomic here. Expired
 * entries are dropped lazily on access and by a sweep every `SWEEP_EVERY` operations, so memory stays
 * bounded by live keys without any timer.
 */

import { randomBase62 } from '../domain/ids.ts';
import {
  type AdmissionOutcomes,
  type AdmissionRequest,
  type AdmissionResult,
  adjustGcraState,
  assembleAdmission,
  type BudgetCheck,
  checkBudget,
  checkGcra,
  compileAdmission,
  type GcraDecision,
  type GcraState,
  owedAt,
  type Reservation,
  windowKey,
  windowResetAt,
} from '../domain/limits/index.ts';
import { BudgetCountersStaleError, budgetFingerprint, StateUnavailableError } from './errors.ts';
import type { MessageHandler, SharedState, SlidingWindowResult, Unsubscribe } from './shared-state.ts';
import {
  OPEN_RESERVATION_TTL_MS,
  requireCount,
  requireDuration,
  requireReservation,
  requireSettleUsage,
} from './validate.ts';

export interface MemorySharedStateOptions {
  /** Clock in epoch ms; tests inject one to move time without waiting. */
  now?: () => number;
  /** Receives exceptions thrown by subscription handlers. */
  onError?: (error: unknown) => void;
}

interface BudgetCell {
  windowKey: string;
  tokens: number;
  usd: number;
  expiresAt: number;
  /** `budgetFingerprint` of the limits the counter was built for. */
  built: string;
}

const SWEEP_EVERY = 1024;

function reportWarning(error: unknown): void {
  process.emitWarning(error instanceof Error ? error : String(error), 'GatehouseSubscriberWarning');
}

/** Creates the in-process implementation of the `SharedState` contract. */
export function createMemorySharedState(options: MemorySharedStateOptions = {}): SharedState {
  const clock = options.now ?? Date.now;
  const onError = options.onError ?? reportWarning;
  const buckets = new Map<string, GcraState>();
  const leases = new Map<string, Map<string, number>>();
  const budgets = new Map<string, BudgetCell>();
  /** Admitted, not yet settled: reservation id → when it stops being settle-able. */
  const open = new Map<string, number>();
  const uses = new Map<string, { count: number; expiresAt: number }>();
  const locks = new Map<string, { token: string; expiresAt: number }>();
  const hits = new Map<string, { times: number[]; expiresAt: number }>();
  const channels = new Map<string, Set<MessageHandler>>();
  let operations = 0;
  let closed = false;

  function begin(): number {
    if (closed) throw new StateUnavailableError('shared state is closed');
    const now = clock();
    if (++operations % SWEEP_EVERY === 0) sweep(now);
    return now;
  }

  function sweep(now: number): void {
    for (const [key, bucket] of buckets) if (owedAt(bucket, now) === 0) buckets.delete(key);
    for (const [key, holders] of leases) {
      for (const [id, expiresAt] of holders) if (expiresAt <= now) holders.delete(id);
      if (holders.size === 0) leases.delete(key);
    }
    for (const [key, cell] of budgets) if (cell.expiresAt <= now) budgets.delete(key);
    for (const [key, expiresAt] of open) if (expiresAt <= now) open.delete(key);
    for (const [key, entry] of uses) if (entry.expiresAt <= now) uses.delete(key);
    for (const [key, entry] of locks) if (entry.expiresAt <= now) locks.delete(key);
    for (const [key, entry] of hits) if (entry.expiresAt <= now) hits.delete(key);
  }

  function liveLeases(key: string, now: number): Map<string, number> | undefined {
    const holders = leases.get(key);
    if (holders !== undefined) for (const [id, expiresAt] of holders) if (expiresAt <= now) holders.delete(id);
    return holders;
  }

  function currentBudget(key: string, wk: string): BudgetCell | undefined {
    const cell = budgets.get(key);
    return cell !== undefined && cell.windowKey === wk ? cell : undefined;
  }

  async function admit(request: AdmissionRequest): Promise<AdmissionResult> {
    const now = begin();
    const plan = compileAdmission(request);
    const outcomes: AdmissionOutcomes = { now, rates: [], leases: [], budgets: [] };
    const decisions: GcraDecision[] = [];
    for (const check of plan.rates) {
      const decision = checkGcra(buckets.get(check.key) ?? null, now, check.params, check.cost);
      decisions.push(decision);
      outcomes.rates.push(decision);
    }
    for (const check of plan.leases) {
      const inUse = liveLeases(check.key, now)?.size ?? 0;
      outcomes.leases.push({ allowed: inUse < check.limit, inUse });
    }
    const stale = plan.budgets.filter((check) => budgets.get(check.key)?.built !== budgetFingerprint(check));
    if (stale.length > 0) throw new BudgetCountersStaleError(stale);
    for (const check of plan.budgets) {
      const wk = windowKey(check.window, now);
      const used = currentBudget(check.key, wk) ?? { tokens: 0, usd: 0 };
      const deniedUnit = checkBudget(used, check, plan.tokens, plan.costUsd);
      outcomes.budgets.push({ allowed: deniedUnit === null, deniedUnit, windowKey: wk });
    }
    const result = assembleAdmission(plan, outcomes);
    if (!result.admitted) return result;
    open.set(plan.id, now + OPEN_RESERVATION_TTL_MS);
    for (let i = 0; i < plan.rates.length; i++) buckets.set(plan.rates[i]!.key, decisions[i]!.state);
    for (const check of plan.leases) {
      const holders = leases.get(check.key) ?? new Map<string, number>();
      holders.set(plan.id, now + plan.leaseTtlMs);
      leases.set(check.key, holders);
    }
    for (let i = 0; i < plan.budgets.length; i++) {
      const check = plan.budgets[i]!;
      const wk = outcomes.budgets[i]!.windowKey;
      const cell = currentBudget(check.key, wk);
      if (cell !== undefined) {
        cell.tokens += plan.tokens;
        cell.usd += plan.costUsd;
      } else {
        // A new window of a counter already built for these limits: its spend starts at zero.
        const expiresAt = windowResetAt(check.window, now) ?? Number.POSITIVE_INFINITY;
        const built = budgetFingerprint(check);
        budgets.set(check.key, { windowKey: wk, tokens: plan.tokens, usd: plan.costUsd, expiresAt, built });
      }
    }
    return result;
  }

  async function settle(reservation: Reservation, actual: { tokens: number; costUsd: number }): Promise<void> {
    const now = begin();
    requireReservation(reservation);
    const usage = requireSettleUsage(actual);
    const settleableUntil = open.get(reservation.id);
    if (settleableUntil === undefined) return;
    open.delete(reservation.id);
    if (settleableUntil <= now) return;
    for (const key of reservation.leases) leases.get(key)?.delete(reservation.id);
    const tokenDelta = usage.tokens - reservation.tokens;
    if (tokenDelta !== 0) {
      for (const bucket of reservation.tokenBuckets) {
        const state = buckets.get(bucket.key);
        if (state === undefined) continue;
        const next = adjustGcraState(state, tokenDelta, bucket);
        if (owedAt(next, now) > 0) buckets.set(bucket.key, next);
        else buckets.delete(bucket.key);
      }
    }
    for (const budget of reservation.budgets) {
      const cell = currentBudget(budget.key, budget.windowKey);
      if (cell === undefined) continue;
      cell.tokens += tokenDelta;
      cell.usd += usage.costUsd - reservation.costUsd;
    }
  }

  async function renewLeases(reservation: Reservation, ttlMs: number): Promise<void> {
    const now = begin();
    requireReservation(reservation);
    requireDuration(ttlMs, 'ttlMs');
    for (const key of reservation.leases) {
      const holders = liveLeases(key, now);
      if (holders?.has(reservation.id)) holders.set(reservation.id, now + ttlMs);
    }
  }

  async function slidingWindowHit(key: string, limit: number, windowMs: number): Promise<SlidingWindowResult> {
    const now = begin();
    requireCount(limit, 'limit');
    requireDuration(windowMs, 'windowMs');
    const entry = hits.get(key) ?? { times: [], expiresAt: 0 };
    hits.set(key, entry);
    const times = entry.times;
    let stale = 0;
    while (stale < times.length && times[stale]! <= now - windowMs) stale++;
    if (stale > 0) times.splice(0, stale);
    if (times.length >= limit) return { allowed: false, remaining: 0, retryAfterMs: times[0]! + windowMs - now };
    times.push(now);
    entry.expiresAt = now + windowMs;
    return { allowed: true, remaining: limit - times.length, retryAfterMs: 0 };
  }

  async function consumeOnce(key: string, ttlMs: number, maxUses = 1): Promise<boolean> {
    const now = begin();
    requireDuration(ttlMs, 'ttlMs');
    requireCount(maxUses, 'maxUses');
    const entry = uses.get(key);
    if (entry === undefined || entry.expiresAt <= now) {
      uses.set(key, { count: 1, expiresAt: now + ttlMs });
      return true;
    }
    entry.count++;
    return entry.count <= maxUses;
  }

  async function tryLock(key: string, ttlMs: number): Promise<string | null> {
    const now = begin();
    requireDuration(ttlMs, 'ttlMs');
    const held = locks.get(key);
    if (held !== undefined && held.expiresAt > now) return null;
    const token = randomBase62(16);
    locks.set(key, { token, expiresAt: now + ttlMs });
    return token;
  }

  async function unlock(key: string, token: string): Promise<boolean> {
    const now = begin();
    const held = locks.get(key);
    if (held === undefined || held.token !== token || held.expiresAt <= now) return false;
    locks.delete(key);
    return true;
  }

  function deliver(handler: MessageHandler, message: string): void {
    try {
      handler(message);
    } catch (error) {
      onError(error);
    }
  }

  async function publish(channel: string, message: string): Promise<void> {
    begin();
    const handlers = channels.get(channel);
    if (handlers === undefined) return;
    // Delivered after publish resolves, as over a network, so callers cannot come to rely on ordering.
    for (const handler of handlers) queueMicrotask(() => deliver(handler, message));
  }

  async function subscribe(channel: string, handler: MessageHandler): Promise<Unsubscribe> {
    begin();
    const handlers = channels.get(channel) ?? new Set<MessageHandler>();
    channels.set(channel, handlers);
    const wrapped: MessageHandler = (message) => handler(message);
    handlers.add(wrapped);
    return async () => {
      handlers.delete(wrapped);
      if (handlers.size === 0 && channels.get(channel) === handlers) channels.delete(channel);
    };
  }

  async function rebuildBudget(check: BudgetCheck, spend: { tokens: number; costUsd: number }): Promise<void> {
    const now = begin();
    const usage = requireSettleUsage(spend);
    const built = budgetFingerprint(check);
    if (budgets.get(check.key)?.built === built) return;
    const expiresAt = windowResetAt(check.window, now) ?? Number.POSITIVE_INFINITY;
    budgets.set(check.key, {
      windowKey: windowKey(check.window, now),
      tokens: usage.tokens,
      usd: usage.costUsd,
      expiresAt,
      built,
    });
  }

  async function ping(): Promise<void> {
    begin();
  }

  async function close(): Promise<void> {
    closed = true;
    channels.clear();
  }

  return {
    admit,
    settle,
    renewLeases,
    slidingWindowHit,
    consumeOnce,
    tryLock,
    unlock,
    publish,
    subscribe,
    rebuildBudget,
    ping,
    close,
  };
}
