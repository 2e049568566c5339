/**
 * @module The gateway's `Admission` (pipeline stage "admit", DESIGN §1): one atomic decision per data-plane request
 * over every level that applies (tenant → team → key, plus per-model limits), before any upstream is called; then
 * one settlement when the request ends, whatever way it ends, which corrects the reservation by the actual usage
 * and feeds the spend ledger. Fails closed: a state backend that cannot answer means 503, never an open door.
 */
import {
  computeCost,
  estimateCost,
  findPrice,
  type LimitLevel,
  type LimitScope,
  type PriceTable,
} from '../domain/limits/index.ts';
import { type SharedState, StateUnavailableError } from '../state/index.ts';
import { AdmissionTicket } from './admission-ticket.ts';
import type { LimitsConfig } from './config-schema.ts';
import { InvalidLimitSettingsError, ScopeLimitCompiler } from './scope-limits.ts';
import type { SpendLedger } from './spend-ledger.ts';
import type {
  Admission,
  AdmissionCall,
  AdmissionDecision,
  AdmissionLogger,
  SettleOutcome,
  SettleResult,
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
  prices?: PriceTable;
  ledger?: SpendLedger | null;
  logger: AdmissionLogger;
}

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

export function createGatewayAdmission(options: GatewayAdmissionOptions): Admission {
  const { state, settings, logger } = options;
  const limits = options.limits ?? {};
  const prices = options.prices ?? {};
  const ledger = options.ledger ?? null;
  const compiler = new ScopeLimitCompiler(limits);
  const defaultMaxOutputTokens = limits.default_max_tokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
  const maxOutputTokensCap = limits.max_output_tokens_cap;
  const leaseTtlMs = limits.lease_ttl_ms;
  const pricedModels = Object.keys(prices).length > 0;
  const warnedModels = new Set<string>();

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
  function warnUnpriced(model: string) {
    if (!pricedModels || model === '' || warnedModels.has(model) || warnedModels.size >= MAX_PRICE_WARNINGS) return;
    if (findPrice(prices, model) !== null) return;
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
    const ticket = new AdmissionTicket(call.requestId, principal, model);
    if (call.metering === 'tokens') {
      ticket.promptTokens = call.promptTokens;
      ticket.outputTokens = outputReservation(call);
      ticket.reservedUsd = estimateCost(prices, model, ticket);
      warnUnpriced(model);
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
    if (scopes.length === 0) return { admitted: true, ticket, rate: null };
    let result: Awaited<ReturnType<SharedState['admit']>>;
    try {
      result = await state.admit({
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
      return {
        admitted: false,
        refusal: { kind: 'limit', denial: result.denial, requestedTokens: ticket.reservedTokens },
      };
    }
    ticket.reservation = result.reservation;
    if (result.reservation.leases.length > 0) ticket.keepLeases(state, leaseTtlMs, logger);
    return { admitted: true, ticket, rate: result.rate };
  }

  async function settle(ticket: AdmissionTicket, outcome: SettleOutcome): Promise<SettleResult> {
    ticket.stopLeaseRenewal();
    const usage = outcome.usage;
    let prompt = ticket.promptTokens;
    let completion = ticket.outputTokens;
    let costUsd = ticket.reservedUsd;
    if (usage !== null) {
      prompt = usage.prompt_tokens;
      completion = usage.completion_tokens;
      costUsd = computeCost(prices, ticket.model, { inputTokens: prompt, outputTokens: completion });
    } else if (!outcome.aborted && outcome.failed) {
      // Refused or failed without a reply from any model (no usage reported): nothing was generated to pay for.
      prompt = 0;
      completion = 0;
      costUsd = 0;
    }
    const total = usage?.total_tokens ?? prompt + completion;
    ledger?.record({
      tenantId: ticket.tenantId,
      teamId: ticket.teamId,
      keyId: ticket.keyId,
      model: ticket.model,
      promptTokens: prompt,
      completionTokens: completion,
      totalTokens: total,
      costUsd,
    });
    const result: SettleResult = { costUsd: findPrice(prices, ticket.model) === null ? null : costUsd };
    if (ticket.reservation === null) return result;
    try {
      await state.settle(ticket.reservation, { tokens: total, costUsd });
    } catch (error) {
      // The reservation stays charged (the safe direction) and its leases lapse after their TTL.
      logger.error({ err: error, requestId: ticket.requestId }, 'settling a reservation failed');
    }
    return result;
  }

  return { admit, settle };
}
