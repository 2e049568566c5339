/**
 * @module The contract between the pipeline and admission control. The pipeline hands admission one typed call
 * (who, what is metered, which model as routed, the token estimate), never a framework request, and gets back a
 * value: an admission, or the reason for a refusal, which the HTTP layer maps to a catalog error. Admission knows
 * nothing of HTTP (DESIGN §2, "The route boundary and dialects").
 */
import type { AdmissionDenial, LedgerDelta, RateHeaders } from '../domain/limits/index.ts';
import type { Principal } from '../domain/principal.ts';
import type { Usage } from '../domain/routing/index.ts';
import type { AdmissionTicket } from './admission-ticket.ts';

/** The two log calls admission makes; a pino logger fits. */
export interface AdmissionLogger {
  warn(detail: Record<string, unknown>, message: string): void;
  error(detail: Record<string, unknown>, message: string): void;
}

/**
 * How a surface is metered: `tokens` for model calls (RPM, TPM, concurrency and budgets, with a token and cost
 * reservation), `requests` for other data-plane calls (RPM and concurrency; MCP, vault, model listings).
 */
export type Metering = 'tokens' | 'requests';

/** One request as admission sees it, built once at the route boundary from a validated body. */
export interface AdmissionCall {
  requestId: string;
  principal: Principal;
  metering: Metering;
  /** The public model as routed (the `x-gatehouse-model` header wins over the body); `''` when none. */
  model: string;
  /** Estimated prompt tokens (0 for `requests` metering). */
  promptTokens: number;
  /**
   * The output ceiling per choice the request names itself (`max_tokens` and its spellings); null when it names
   * none (the configured default applies); 0 when the operation produces no output tokens (embeddings).
   */
  maxOutputTokens: number | null;
  /** Choices generated (`n`); the output reservation is per choice. */
  choices: number;
  /** The agent session the request named (a validated session header); absent or `''` when none. */
  session?: string;
}

/** What a call reserved: the prompt estimate, the output ceiling (`max_tokens` or the default), and its USD price. */
export interface ReservationSummary {
  promptTokens: number;
  outputTokens: number;
  usd: number;
}

/** Why a call was refused; each maps to one catalog error in the HTTP layer. */
export type AdmissionRefusal =
  /** A limit or budget at some level, and what the call tried to reserve. */
  | { kind: 'limit'; denial: AdmissionDenial; reserved: ReservationSummary }
  /** The shared state cannot answer: fail closed (503). */
  | { kind: 'state_unavailable' }
  /** A level's stored limits do not validate: refuse rather than run unlimited (500). */
  | { kind: 'invalid_settings' };

export type AdmissionDecision =
  | {
      admitted: true;
      /** Null when no level limits anything and nothing needs settling. */
      ticket: AdmissionTicket | null;
      /** `x-ratelimit-*` values from the tightest level, when some level has a rate limit. */
      rate: RateHeaders | null;
    }
  | { admitted: false; refusal: AdmissionRefusal };

/** How an admitted request ended, for correcting its reservation. */
export interface SettleOutcome {
  /** Usage the handler recorded (actual, or estimated from streamed text); null when none was recorded. */
  usage: Usage | null;
  /** The client went away before the response completed. */
  aborted: boolean;
  /** The request ended in an error response. */
  failed: boolean;
}

/** An admitted request's actual usage, measured once when it ends. */
export interface Measurement {
  /** The ledger delta, committed in the same transaction as the request's audit event. */
  delta: LedgerDelta;
  /** The request's cost in USD for its audit event, or null when its model has no price. */
  costUsd: number | null;
}

/**
 * Admission control (rate limits, concurrency, budgets). `admit` runs after authorization and before the handler.
 * When an admitted request ends (finished, failed or aborted), `measure` runs once with how it ended and returns
 * its ledger delta, which is committed with its audit event; `settle` then corrects the shared counters, after
 * that commit. Implementations fail closed: when their state is unreachable they refuse with `state_unavailable`.
 */
export interface Admission {
  admit(call: AdmissionCall): Promise<AdmissionDecision> | AdmissionDecision;
  measure(ticket: AdmissionTicket, outcome: SettleOutcome): Measurement;
  settle(ticket: AdmissionTicket): Promise<void> | void;
}

const ADMITTED: AdmissionDecision = Object.freeze({ admitted: true, ticket: null, rate: null });

/** Accepts every request; the default until limits and budgets are configured. It issues no ticket. */
export const openAdmission: Admission = {
  admit: () => ADMITTED,
  measure: () => {
    throw new Error('openAdmission issues no ticket to measure');
  },
  settle: () => {},
};
