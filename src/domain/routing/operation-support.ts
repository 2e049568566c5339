import { type Dialect, dialectOfOperation, type LlmOperation } from './types.ts';

/**
 * What an Anthropic upstream can carry out for a client of another dialect: conversations, reached through chat
 * (issue 13 §4). Anthropic has no completions or embeddings endpoint, so those have nowhere to go.
 */
const VIA_ANTHROPIC: ReadonlySet<LlmOperation> = new Set([
  'openai.chat',
  'ollama.chat',
  'ollama.generate',
  'responses.create',
]);

/**
 * Operations that exist on one dialect only: compacting needs the Responses API's own state, counting tokens
 * Anthropic's tokenizer. No translation reaches them; the routes that own them decide what a model without such
 * an upstream gets (a refusal, or the gateway's estimate).
 */
const NATIVE_ONLY: ReadonlySet<LlmOperation> = new Set(['responses.compact', 'anthropic.count_tokens']);

/** Whether an upstream whose adapter speaks `upstream` can carry out `operation` by translating it. */
export function translatesTo(operation: LlmOperation, upstream: Dialect): boolean {
  switch (upstream) {
    case 'anthropic':
      return VIA_ANTHROPIC.has(operation);
    case 'openai':
    case 'ollama':
      return !NATIVE_ONLY.has(operation);
    case 'responses':
      // No adapter speaks only the Responses API: it is declared on top of an `openai` upstream.
      return false;
  }
}

/**
 * Whether an upstream can serve `operation` at all: passthrough when it speaks the operation's dialect (one of
 * `dialects`), else translation into its adapter's own dialect. The router skips targets that cannot, and the
 * route boundary refuses a model none of whose targets can, so the planners never meet such a pair.
 */
export function upstreamServes(operation: LlmOperation, dialects: readonly Dialect[], adapter: Dialect): boolean {
  return dialects.includes(dialectOfOperation(operation)) || translatesTo(operation, adapter);
}
