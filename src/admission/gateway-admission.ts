/**
 * @module The gateway's `Admission` (pipeline stage "admit", DESIGN §1): one atomic decision per data-plane request
 * over every level that applies (tenant → team → key, plus per-model limits), before any upstream is called; then,
 * when the request ends, whatever way it ends, one measurement (the ledger delta, committed with the audit event)
 * and one settlement after that commit, which corrects the reservation by the actual usage. Fails closed: a state
 * backend that cannot answer means 503, never an open door.
 */
import {
  type AdmissionResult,
  type BudgetCheck,
  type BudgetWindow,
  computeCost,
  estimateCost,
  findPrice,
  type LimitLevel,
  type LimitScope,
  PriceBook,
  type PriceTable,
  type RateHeaders,
  type ScopeRef,
  utcDay,
} from '../domain/limits/index.ts';
import { BudgetCountersStaleError, type SharedState, StateUnavailableError } from '../state/index.ts';
import { AdmissionTicket } from './admission-ticket.ts';
import type { LimitsConfig } from './config-schema.ts';
import { InvalidLimitSettingsError, ScopeLimitCompiler } from './scope-limits.ts';
import type {
  Admission,
  AdmissionCall,
  AdmissionDecision,
  AdmissionLogger,
  Measurement,
  SettleOutcome,
} from './types.ts';

/** Where tenant and team settings come from (the scope settings snapshot in production). */
export interface ScopeSettingsSource {
  tenant(id: string): Readonly<Record<string, unknown>>;
  team(id: string): Readonly<Record<string, unknown>>;
}

export interface GatewayAdmissionOptions {
  state: SharedState;
  settings: ScopeSettingsSource;
  limits?: LimitsConfig;
  /**
   * The price table, or where to read the one in force: prices set at runtime reach the next admission and the
   * next measurement without a restart.
   */
  prices?: PriceTable | PriceBook;
  /** A scope's spend in a budget window from the durable ledger: what stale budget counters are rebuilt from. */
  ledgerSpend: (scope: ScopeRef, window: BudgetWindow) => Promise<{ tokens: number; costUsd: number }>;
  logger: AdmissionLogger;
}

/** Rebuild-then-admit rounds before a request is refused with 503 (another instance kept rotating generations). */
const MAX_REBUILD_ROUNDS = 3;

/** Output tokens reserved when a request names no maximum and the config sets no `limits.default_max_tokens`. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 1024;

const STATE_UNAVAILABLE: AdmissionDecision = Object.freeze({
  admitted: false,
  refusal: Object.freeze({ kind: 'state_unavailable' }),
});
const INVALID_SETTINGS: AdmissionDecision = Object.freeze({
  admitted: false,
  refusal: Object.freeze({ kind: 'invalid_settings' }),
});

const MAX_PRICE_WARNINGS = 1_000;

function toPriceSource(prices: GatewayAdmissionOptions['prices']): { readonly table: PriceTable } {
  if (prices === undefined) return { table: {} };
  return prices instanceof PriceBook ? prices : { table: prices };
}

export function createGatewayAdmission(options: GatewayAdmissionOptions): Admission {
  const { state, settings, logger } = options;
  const limits = options.limits ?? {};
  const priceSource = toPriceSource(options.prices);
  const compiler = new ScopeLimitCompiler(limits);
  const defaultMaxOutputTokens = limits.default_max_tokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
  const maxOutputTokensCap = limits.max_output_tokens_cap;
  const leaseTtlMs = limits.lease_ttl_ms;
  const warnedModels = new Set<string>();
  /** Admitted and not yet settled on this instance: what a rebuilt counter must count on top of the ledger. */
  const inFlight = new Set<AdmissionTicket>();

  function inFlightSpend(scope: ScopeRef): { tokens: number; costUsd: number } {
    let tokens = 0;
    let costUsd = 0;
    for (const ticket of inFlight) {
      const id = scope.level === 'tenant' ? ticket.tenantId : scope.level === 'team' ? ticket.teamId : ticket.keyId;
      if (id !== scope.id) continue;
      tokens += ticket.measured ? ticket.actualTokens : ticket.reservedTokens;
      costUsd += ticket.measured ? ticket.actualUsd : ticket.reservedUsd;
    }
    return { tokens, costUsd };
  }

  /**
   * Rebuilds a budget counter from the ledger plus this instance's requests in flight (admitted, not yet settled:
   * their spend is not in the ledger yet, or only just; counting one twice errs on the safe side).
   */
  async function rebuild(check: BudgetCheck): Promise<void> {
    const ledger = await options.ledgerSpend(check.scope, check.window);
    const open = inFlightSpend(check.scope);
    await state.rebuildBudget(check, { tokens: ledger.tokens + open.tokens, costUsd: ledger.costUsd + open.costUsd });
  }

  /** Admits, rebuilding stale budget counters first; fails closed (throws) when they cannot be rebuilt. */
  async function admitRebuilding(request: Parameters<SharedState['admit']>[0]): Promise<AdmissionResult> {
    for (let round = 0; ; round++) {
      try {
        return await state.admit(request);
      } catch (error) {
        if (!(error instanceof BudgetCountersStaleError)) throw error;
        if (round + 1 >= MAX_REBUILD_ROUNDS) throw new StateUnavailableError('budget counters are being rebuilt');
        try {
          for (const check of error.stale) await rebuild(check);
        } catch (rebuildError) {
          if (rebuildError instanceof StateUnavailableError) throw rebuildError;
          logger.error({ err: rebuildError }, 'rebuilding budget counters from the ledger failed');
          throw new StateUnavailableError('budget counters cannot be rebuilt from the ledger', { cause: rebuildError });
        }
      }
    }
  }

  function addLevel(
    scopes: LimitScope[],
    level: LimitLevel,
    id: string,
    source: Readonly<Record<string, unknown>>,
    model: string,
  ) {
    const compiled = compiler.compile(level, id, source);
    if (compiled.base !== null) scopes.push({ level, id, limits: compiled.base });
    const perModel = model === '' ? undefined : compiled.models.get(model);
    if (perModel !== undefined) scopes.push({ level, id, model, limits: perModel });
  }

  // A price table that misses a model is a configuration slip, not an attack: warn once, charge nothing.
  function warnUnpriced(prices: PriceTable, model: string) {
    if (model === '' || warnedModels.has(model) || warnedModels.size >= MAX_PRICE_WARNINGS) return;
    if (findPrice(prices, model) !== null || Object.keys(prices).length === 0) return;
    warnedModels.add(model);
    logger.warn({ model }, 'model has no entry in the price table; it costs 0 and USD budgets never block it');
  }

  /** Output tokens to reserve: each choice's ceiling (or the default), capped by the config, times the choices. */
  function outputReservation(call: AdmissionCall): number {
    const perChoice = call.maxOutputTokens ?? defaultMaxOutputTokens;
    const capped = maxOutputTokensCap === undefined ? perChoice : Math.min(perChoice, maxOutputTokensCap);
    return capped * call.choices;
  }

  async function admit(call: AdmissionCall): Promise<AdmissionDecision> {
    const { principal, model } = call;
    const ticket = new AdmissionTicket(call.requestId, principal, model, call.session ?? '');
    if (call.metering === 'tokens') {
      ticket.promptTokens = call.promptTokens;
      ticket.outputTokens = outputReservation(call);
      const prices = priceSource.table;
      ticket.reservedUsd = estimateCost(prices, model, ticket);
      warnUnpriced(prices, model);
    }
    const scopes: LimitScope[] = [];
    try {
      if (principal.tenantId !== null)
        addLevel(scopes, 'tenant', principal.tenantId, settings.tenant(principal.tenantId), model);
      if (principal.teamId !== null) addLevel(scopes, 'team', principal.teamId, settings.team(principal.teamId), model);
      if (principal.type === 'key') addLevel(scopes, 'key', principal.id, principal.settings, model);
    } catch (error) {
      if (!(error instanceof InvalidLimitSettingsError)) throw error;
      logger.error({ err: error }, 'refusing a request whose stored limits do not validate');
      return INVALID_SETTINGS;
    }
    let rate: RateHeaders | null = null;
    if (scopes.length > 0) {
      let result: AdmissionResult;
      try {
        result = await admitRebuilding({
          id: call.requestId,
          scopes,
          tokens: ticket.reservedTokens,
          costUsd: ticket.reservedUsd,
          ...(leaseTtlMs === undefined ? {} : { leaseTtlMs }),
        });
      } catch (error) {
        if (error instanceof StateUnavailableError) return STATE_UNAVAILABLE;
        throw error;
      }
      if (!result.admitted) {
        const reserved = {
          promptTokens: ticket.promptTokens,
          outputTokens: ticket.outputTokens,
          usd: ticket.reservedUsd,
        };
        return { admitted: false, refusal: { kind: 'limit', denial: result.denial, reserved } };
      }
      ticket.reservation = result.reservation;
      rate = result.rate;
      if (result.reservation.leases.length > 0) ticket.keepLeases(state, leaseTtlMs, logger);
    }
    inFlight.add(ticket);
    return { admitted: true, ticket, rate };
  }

  /** The request's actual usage, kept on its ticket for `settle`, as the ledger delta committed with its event. */
  function measure(ticket: AdmissionTicket, outcome: SettleOutcome): Measurement {
    const usage = outcome.usage;
    const prices = priceSource.table;
    let prompt = ticket.promptTokens;
    let completion = ticket.outputTokens;
    let costUsd = ticket.reservedUsd;
    if (usage !== null) {
      prompt = usage.prompt_tokens;
      completion = usage.completion_tokens;
      costUsd = computeCost(prices, ticket.model, {
        inputTokens: prompt,
        outputTokens: completion,
        cacheReadTokens: usage.cache_read_tokens,
        cacheWriteTokens: usage.cache_write_tokens,
        reasoningTokens: usage.reasoning_tokens,
      });
    } else if (!outcome.aborted && outcome.failed) {
      // Refused or failed without a reply from any model (no usage reported): nothing was generated to pay for.
      prompt = 0;
      completion = 0;
      costUsd = 0;
    }
    const total = usage?.total_tokens ?? prompt + completion;
    const unpriced = ticket.model !== '' && findPrice(prices, ticket.model) === null;
    ticket.measured = true;
    ticket.actualTokens = total;
    ticket.actualUsd = costUsd;
    return {
      delta: {
        day: utcDay(Date.now()),
        tenantId: ticket.tenantId,
        teamId: ticket.teamId,
        keyId: ticket.keyId,
        model: ticket.model,
        session: ticket.session,
        requests: 1,
        promptTokens: prompt,
        completionTokens: completion,
        totalTokens: total,
        cacheReadTokens: usage?.cache_read_tokens ?? 0,
        cacheWriteTokens: usage?.cache_write_tokens ?? 0,
        reasoningTokens: usage?.reasoning_tokens ?? 0,
        unpricedRequests: unpriced ? 1 : 0,
        unpricedTokens: unpriced ? total : 0,
        costUsd,
      },
      costUsd: unpriced || ticket.model === '' ? null : costUsd,
    };
  }

  /** Corrects the shared counters from the reservation to the measured usage; runs after the ledger commit. */
  async function settle(ticket: AdmissionTicket): Promise<void> {
    ticket.stopLeaseRenewal();
    inFlight.delete(ticket);
    if (ticket.reservation === null) return;
    // Unmeasured (measuring failed): the reservation stays charged, the safe direction.
    const tokens = ticket.measured ? ticket.actualTokens : ticket.reservedTokens;
    const costUsd = ticket.measured ? ticket.actualUsd : ticket.reservedUsd;
    try {
      await state.settle(ticket.reservation, { tokens, costUsd });
    } catch (error) {
      // The reservation stays charged (the safe direction) and its leases lapse after their TTL.
      logger.error({ err: error, requestId: ticket.requestId }, 'settling a reservation failed');
    }
  }

  return { admit, measure, settle };
}
