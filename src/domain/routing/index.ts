/**
 * @module Routing domain: which upstream target serves a call, in which order, when to retry and cool down,
 * and how requests, responses and streams translate between wire formats. Pure: time, randomness and state
 * are passed in; no sockets, no timers.
 */
export * from './anthropic/index.ts';
export * from './attempt-plan.ts';
export * from './failures.ts';
export * from './json-members.ts';
export * from './key-ring.ts';
export * from './operation-support.ts';
export * from './public-model.ts';
export * from './reasoning.ts';
export * from './redact.ts';
export * from './responses/index.ts';
export * from './schemas.ts';
export * from './stream/chain.ts';
export * from './stream/json-scan.ts';
export * from './stream/ndjson-parser.ts';
export * from './stream/ollama-passthrough.ts';
export * from './stream/openai-passthrough.ts';
export * from './stream/sse-parser.ts';
export * from './stream/transform.ts';
export * from './target-health.ts';
export * from './target-order.ts';
export * from './translate/index.ts';
export * from './types.ts';
export * from './usage.ts';
