/**
 * @module The contract between the pipeline and admission control. The pipeline hands admission one typed call
 * (who, what is metered, which model as routed, the token estimate), never a framework request, and gets back a
 * value: an admission, or the reason for a refusal, which the HTTP layer maps to a catalog error. Admission knows
 * nothing of HTTP (DESIGN §2, "The route boundary and dialects").
 */
import type { AdmissionDenial, RateHeaders } from '../domain/limits/index.ts';
import type { Principal } from '../domain/principal.ts';
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
}

/** Why a call was refused; each maps to one catalog error in the HTTP layer. */
export type AdmissionRefusal =
  /** A limit or budget at some level; `requestedTokens` is what the call tried to reserve. */
  | { kind: 'limit'; denial: AdmissionDenial; requestedTokens: number }
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
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
  /** The client went away before the response completed. */
  aborted: boolean;
  /** The request ended in an error response. */
  failed: boolean;
}

export interface SettleResult {
  /** The request's cost in USD, or null when its model has no price. */
  costUsd: number | null;
}

/**
 * Admission control (rate limits, concurrency, budgets). `admit` runs after authorization and before the handler;
 * `settle` runs exactly once per admitted ticket when the request ends (finished, failed or aborted).
 * Implementations fail closed: when their state is unreachable they refuse with `state_unavailable`.
 */
export interface Admission {
  admit(call: AdmissionCall): Promise<AdmissionDecision> | AdmissionDecision;
  settle(ticket: AdmissionTicket, outcome: SettleOutcome): Promise<SettleResult> | SettleResult;
}

const ADMITTED: AdmissionDecision = Object.freeze({ admitted: true, ticket: null, rate: null });
const FREE: SettleResult = Object.freeze({ costUsd: null });

/** Accepts every request; the default until limits and budgets are configured. */
export const openAdmission: Admission = {
  admit: () => ADMITTED,
  settle: () => FREE,
};
