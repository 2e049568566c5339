/**
 * @module Rough token estimates for reserving TPM and budget before the upstream answers. Settle
 * corrects by the real usage, so this only has to be cheap and in the right order of magnitude: no
 * tokenizer, one pass over the strings the model will read, ~4 characters per token (OpenAI's rule of
 * thumb for English text). Works on OpenAI chat/completions/embeddings/responses bodies, Anthropic Messages
 * bodies and Ollama's /api/chat, /api/generate and /api/embed bodies; unknown shapes estimate 0 prompt tokens.
 */

/** Characters per token for the estimate. */
export const CHARS_PER_TOKEN = 4;
/** Per-message framing (role and separators); the OpenAI cookbook counts 3-4 per message. */
export const MESSAGE_OVERHEAD_TOKENS = 4;
/** Every chat reply is primed with an assistant header (OpenAI cookbook, "counting tokens"). */
export const REPLY_PRIMING_TOKENS = 3;
/**
 * One image part: a 1024×1024 image at detail "high" is 85 + 4 × 170 = 765 tokens in OpenAI's vision
 * pricing. Reserving the common case keeps a picture-heavy prompt from slipping under the TPM check.
 */
export const IMAGE_PART_TOKENS = 765;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function charsToTokens(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/** Characters in a string, a string array, or a list of content parts; images count separately. */
function measureContent(content: unknown): { chars: number; images: number } {
  if (typeof content === 'string') return { chars: content.length, images: 0 };
  let chars = 0;
  let images = 0;
  if (!Array.isArray(content)) return { chars, images };
  for (const part of content) {
    if (typeof part === 'string') {
      chars += part.length;
    } else if (isObject(part)) {
      if (typeof part.text === 'string') chars += part.text.length;
      else if (typeof part.input_text === 'string') chars += part.input_text.length;
      // Anthropic blocks: a tool call's input and the model's own thinking are read back as prompt.
      else if (typeof part.thinking === 'string') chars += part.thinking.length;
      if (part.type === 'tool_use' && part.input !== undefined) chars += JSON.stringify(part.input).length;
      if (part.type === 'image_url' || part.type === 'input_image' || part.type === 'image') images++;
      if (typeof part.content === 'string' || Array.isArray(part.content)) {
        const nested = measureContent(part.content);
        chars += nested.chars;
        images += nested.images;
      }
    }
  }
  return { chars, images };
}

function estimateMessages(messages: unknown[]): number {
  let tokens = REPLY_PRIMING_TOKENS;
  for (const message of messages) {
    if (!isObject(message)) continue;
    const measured = measureContent(message.content);
    let chars = measured.chars;
    if (typeof message.name === 'string') chars += message.name.length;
    if (Array.isArray(message.tool_calls)) chars += JSON.stringify(message.tool_calls).length;
    if (typeof message.thinking === 'string') chars += message.thinking.length;
    // Responses API items: a function call's arguments and a tool's output (Codex sends whole command outputs).
    if (typeof message.arguments === 'string') chars += message.arguments.length;
    if (typeof message.output === 'string') chars += message.output.length;
    else if (Array.isArray(message.output)) chars += measureContent(message.output).chars;
    // Ollama carries images as a base64 array beside the content, not as parts.
    const ollamaImages = Array.isArray(message.images) ? message.images.length : 0;
    tokens += MESSAGE_OVERHEAD_TOKENS + charsToTokens(chars) + (measured.images + ollamaImages) * IMAGE_PART_TOKENS;
  }
  return tokens;
}

/** `prompt` / `input`: a string, strings, token ids (counted 1:1) or arrays of token ids. */
function estimatePromptLike(value: unknown): number {
  if (typeof value === 'string') return charsToTokens(value.length);
  if (!Array.isArray(value)) return 0;
  let tokens = 0;
  for (const item of value) {
    if (typeof item === 'string') tokens += charsToTokens(item.length);
    else if (typeof item === 'number') tokens += 1;
    else if (Array.isArray(item)) tokens += item.length;
    else if (isObject(item)) tokens += estimateMessages([item]) - REPLY_PRIMING_TOKENS;
  }
  return tokens;
}

/** Estimated prompt tokens of a request body (see the module note for the shapes understood). */
export function estimatePromptTokens(body: unknown): number {
  if (!isObject(body)) return 0;
  let tokens = 0;
  if (Array.isArray(body.messages)) tokens += estimateMessages(body.messages);
  if (body.prompt !== undefined) tokens += estimatePromptLike(body.prompt);
  if (body.input !== undefined) tokens += estimatePromptLike(body.input);
  if (typeof body.system === 'string') tokens += charsToTokens(body.system.length);
  else if (Array.isArray(body.system)) tokens += charsToTokens(measureContent(body.system).chars);
  if (typeof body.instructions === 'string') tokens += charsToTokens(body.instructions.length);
  if (typeof body.suffix === 'string') tokens += charsToTokens(body.suffix.length);
  // Tool and function schemas are rendered into the prompt by the provider and billed as input.
  if (Array.isArray(body.tools) && body.tools.length > 0) tokens += charsToTokens(JSON.stringify(body.tools).length);
  if (Array.isArray(body.functions) && body.functions.length > 0) {
    tokens += charsToTokens(JSON.stringify(body.functions).length);
  }
  return tokens;
}

export interface ReservationDefaults {
  /** Output tokens to reserve when the body names no maximum. */
  defaultMaxOutputTokens: number;
  /** Upper bound on the output reservation, whatever the body asks for. */
  maxOutputTokensCap?: number;
  /** Embeddings produce no output tokens. */
  kind?: 'chat' | 'completions' | 'embeddings' | 'responses' | 'generate';
}

export interface TokenReservation {
  promptTokens: number;
  outputTokens: number;
  /** promptTokens + outputTokens: what TPM and token budgets reserve. */
  totalTokens: number;
}

function positiveInteger(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.ceil(value) : null;
}

/** The body's own output ceiling: OpenAI `max_completion_tokens`/`max_tokens`/`max_output_tokens`, Ollama `num_predict`. */
function requestedOutputTokens(body: Json): number | null {
  const options = isObject(body.options) ? body.options : undefined;
  // Ollama: num_predict -1 means "until done" and -2 "fill the context", so neither is a ceiling.
  return (
    positiveInteger(body.max_completion_tokens) ??
    positiveInteger(body.max_tokens) ??
    positiveInteger(body.max_output_tokens) ??
    positiveInteger(options?.num_predict)
  );
}

/** What a request body says about its size: prompt estimate, its own output ceiling per choice, and `n`. */
export interface CallEstimate {
  promptTokens: number;
  /** The body's own output ceiling per choice; null when it names none; 0 when nothing is generated. */
  maxOutputTokens: number | null;
  choices: number;
}

/** Reads a body once for everything admission reserves; `embeddings` bodies generate no output. */
export function estimateCall(body: unknown, produces: 'text' | 'embeddings'): CallEstimate {
  const promptTokens = estimatePromptTokens(body);
  if (produces === 'embeddings') return { promptTokens, maxOutputTokens: 0, choices: 1 };
  if (!isObject(body)) return { promptTokens, maxOutputTokens: null, choices: 1 };
  return { promptTokens, maxOutputTokens: requestedOutputTokens(body), choices: positiveInteger(body.n) ?? 1 };
}

/** Tokens to reserve for one request: the prompt estimate plus its output ceiling (times `n` choices). */
export function estimateReservation(body: unknown, defaults: ReservationDefaults): TokenReservation {
  const call = estimateCall(body, defaults.kind === 'embeddings' ? 'embeddings' : 'text');
  let perChoice = call.maxOutputTokens ?? defaults.defaultMaxOutputTokens;
  if (defaults.maxOutputTokensCap !== undefined) perChoice = Math.min(perChoice, defaults.maxOutputTokensCap);
  const outputTokens = perChoice * call.choices;
  return { promptTokens: call.promptTokens, outputTokens, totalTokens: call.promptTokens + outputTokens };
}
