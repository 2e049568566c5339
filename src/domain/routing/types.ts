/**
 * @module Routing vocabulary shared by the pure routing logic and the provider adapters.
 */

/** Upstream kinds a deployment can declare (issue 3, "Upstreams and model routing"). */
export type UpstreamKind = 'openai' | 'azure-openai' | 'ollama' | 'anthropic';

/**
 * The wire family an upstream or a client speaks; `azure-openai` speaks `openai`. Each has one object in the
 * dialect registry (`src/llm/dialects/registry.ts`), whose type makes the registry exhaustive over this union.
 */
export type Dialect = 'openai' | 'ollama' | 'responses' | 'anthropic';

/**
 * One call shape on one wire family. Client-facing routes and upstream adapters use the same names, so a
 * translation is a pair of operations (`ollama.chat` served by `openai.chat`, and the reverse).
 */
export type LlmOperation =
  | 'openai.chat'
  | 'openai.completions'
  | 'openai.embeddings'
  | 'ollama.chat'
  | 'ollama.generate'
  | 'ollama.embed'
  | 'ollama.embeddings'
  | 'responses.create'
  | 'responses.compact'
  | 'anthropic.messages'
  | 'anthropic.count_tokens';

/** The operations of one dialect: `OperationOf<'ollama'>` is `'ollama.chat' | 'ollama.generate' | …`. */
export type OperationOf<D extends Dialect> = Extract<LlmOperation, `${D}.${string}`>;

export type JsonObject = Record<string, unknown>;

/** Token usage as OpenAI reports it; Ollama counts are mapped onto it. */
export interface Usage {
  /** Every input token, cached or not (Anthropic's uncached, cache-read and cache-write counts summed). */
  prompt_tokens: number;
  /** Every output token, reasoning included. */
  completion_tokens: number;
  total_tokens: number;
  /** Input tokens served from the provider's prompt cache (a subset of prompt_tokens), priced as cache reads. */
  cache_read_tokens?: number;
  /** Input tokens written to the provider's prompt cache (a subset of prompt_tokens), priced as cache writes. */
  cache_write_tokens?: number;
  /** Output tokens spent on reasoning (a subset of completion_tokens), priced at the reasoning rate when one is set. */
  reasoning_tokens?: number;
}

/** How a model group spreads requests over its targets. */
export type BalanceStrategy = 'weighted-hash' | 'least-busy';

export interface UpstreamSpec {
  id: string;
  provider: UpstreamKind;
  /**
   * Includes the API prefix for `openai` (`http://host/v1`); the bare origin for `ollama`, `azure-openai` and
   * `anthropic` (`https://api.anthropic.com`, as the Anthropic SDKs' `baseURL`).
   */
  base_url: string;
  /** Plaintext keys, decrypted from their envelopes at snapshot time; rotated, and cooled down on 401/429. */
  api_keys: string[];
  /**
   * Azure: the `api-version` query parameter. Anthropic: the `anthropic-version` header sent when the client
   * names none (default `2023-06-01`).
   */
  api_version?: string;
  /** Extra static headers sent upstream (never secrets: those belong in `api_keys`). */
  headers?: Record<string, string>;
  /** Connections per origin in the undici Pool, and the calls the origin's gate lets through at once (64). */
  max_connections?: number;
  /** Of those, how many one tenant may hold (default: all but a quarter, 48 of 64). */
  max_connections_per_tenant?: number;
  /** How long a call waits for a slot before 503 `upstream_saturated` (default 10 s; 0: refuse at once). */
  queue_timeout_ms?: number;
  /**
   * `openai` only: the upstream also serves OpenAI's Responses API (`/responses`), so Responses calls pass through
   * instead of being translated to chat completions.
   */
  responses_api?: boolean;
}

export interface TargetSpec {
  upstream: string;
  /** The model (or Azure deployment) name the upstream knows. */
  model: string;
  weight?: number;
}

export interface ModelGroupSpec {
  /** The public model name clients send. */
  name: string;
  targets: TargetSpec[];
  fallbacks?: string[];
  strategy?: BalanceStrategy;
  /** Retries inside this group after the first attempt; fallback groups get their own. */
  retries?: number;
  /** Whole-exchange deadline for non-streaming calls; also the default time-to-first-byte for streams. */
  timeout_ms?: number;
  first_byte_timeout_ms?: number;
  idle_timeout_ms?: number;
}

export interface RoutingPolicy {
  retries: number;
  /** Hard cap across the primary group and all fallbacks. */
  max_attempts: number;
  backoff_base_ms: number;
  backoff_max_ms: number;
  /** Consecutive failures that open a target's circuit. */
  failure_threshold: number;
  cooldown_ms: number;
  key_unauthorized_cooldown_ms: number;
  key_rate_limited_cooldown_ms: number;
  chat_timeout_ms: number;
  reasoning_timeout_ms: number;
  embeddings_timeout_ms: number;
  idle_timeout_ms: number;
  /** Glob patterns (`*` only) matched against the upstream model name, case-insensitive. */
  reasoning_models: string[];
}

export const DEFAULT_ROUTING_POLICY: Readonly<RoutingPolicy> = Object.freeze({
  retries: 2,
  max_attempts: 6,
  backoff_base_ms: 100,
  backoff_max_ms: 2_000,
  failure_threshold: 3,
  cooldown_ms: 30_000,
  key_unauthorized_cooldown_ms: 300_000,
  key_rate_limited_cooldown_ms: 60_000,
  chat_timeout_ms: 120_000,
  reasoning_timeout_ms: 300_000,
  embeddings_timeout_ms: 60_000,
  idle_timeout_ms: 60_000,
  reasoning_models: ['o1', 'o1-*', 'o3', 'o3-*', 'o4', 'o4-*', 'gpt-5', 'gpt-5*'],
});

export function dialectOf(kind: UpstreamKind): Dialect {
  switch (kind) {
    case 'ollama':
      return 'ollama';
    case 'anthropic':
      return 'anthropic';
    default:
      return 'openai';
  }
}

export function dialectOfOperation(op: LlmOperation): Dialect {
  return op.slice(0, op.indexOf('.')) as Dialect;
}
