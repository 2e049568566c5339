/**
 * Reasoning models (OpenAI o-series and gpt-5) reject `max_tokens` with a 400 and take `max_completion_tokens`
 * (OpenAI API reference, "Create chat completion": max_tokens is "not compatible with o-series models").
 */
export type ModelMatcher = (model: string) => boolean;

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 'i');
}

/**
 * Compiles glob patterns once at startup. The match ignores a provider prefix (`openai/o3-mini`) and an Azure
 * or Ollama style tag after a colon is kept, since `o3:latest` is not a name OpenAI uses.
 */
export function createModelMatcher(patterns: readonly string[]): ModelMatcher {
  const compiled = patterns.map(globToRegExp);
  return (model) => {
    const name = model.slice(model.lastIndexOf('/') + 1);
    return compiled.some((pattern) => pattern.test(name));
  };
}

/**
 * Moves `max_tokens` to `max_completion_tokens` for reasoning models. An explicit `max_completion_tokens` wins;
 * the body is copied, never mutated, and every other field passes through untouched.
 */
export function applyReasoningTokenField(body: Record<string, unknown>): Record<string, unknown> {
  if (!('max_tokens' in body)) return body;
  const { max_tokens: maxTokens, ...rest } = body;
  if (rest.max_completion_tokens === undefined && maxTokens !== null && maxTokens !== undefined) {
    rest.max_completion_tokens = maxTokens;
  }
  return rest;
}
