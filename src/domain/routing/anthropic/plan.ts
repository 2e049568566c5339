import { readAnthropicUsage } from '../translate/anthropic-shared.ts';
import { planMessagesViaChat } from '../translate/messages-plan.ts';
import type { PlanOptions, UpstreamCallPlan } from '../translate/plan.ts';
import type { TranslateContext } from '../translate/shared.ts';
import type { Dialect, JsonObject, LlmOperation, Usage } from '../types.ts';
import { makeUsage } from '../usage.ts';
import { createAnthropicPassthrough } from './passthrough.ts';

const SSE = 'text/event-stream';
const USAGE_MEMBERS = ['usage'] as const;
const readMessagesUsage = (reply: JsonObject): Usage | null => readAnthropicUsage(reply.usage);
/** Counting tokens generates nothing and bills nothing (Messages API, "Token counting"). */
const readCountUsage = (): Usage => makeUsage(0, 0);

const MODEL_KEY = '"model"';
/** A `\u0020`–`\u007f` escape: how a key could spell `model` without the bytes `"model"`. */
const ASCII_ESCAPE = /\\u00[2-7][0-9a-fA-F]/;

/**
 * The raw bytes may go upstream only when the model they name is the one the gateway checked. JSON.parse keeps
 * the last of duplicate keys, a server may keep the first: a body naming an allowed model and a forbidden one
 * (`{"model":"cheap",…,"model":"dear"}`, or a key spelt with escapes) would be admitted for one and served by the
 * other. One plain `"model"` in the whole text rules both out; anything else is re-serialised from what was
 * checked.
 */
function rawIsUnambiguous(raw: Buffer): boolean {
  const first = raw.indexOf(MODEL_KEY);
  if (first === -1 || raw.indexOf(MODEL_KEY, first + MODEL_KEY.length) !== -1) return false;
  return !ASCII_ESCAPE.test(raw.toString('latin1'));
}

/** What the client sent besides its body, for an upstream that speaks its dialect. */
export interface MessagesPassthrough {
  /** The body exactly as the client sent it; null when it was not kept. */
  raw: Buffer | null;
  /** The Anthropic protocol headers the client sent (`anthropic-version`, `anthropic-beta`). */
  headers: Readonly<Record<string, string>>;
}

/**
 * Plans an Anthropic Messages call (`anthropic.messages`, `anthropic.count_tokens`) on an Anthropic upstream:
 * the client's bytes go upstream untouched unless the model name must change (the body is then re-serialised
 * with only `model` replaced, every other member kept), its `anthropic-version` and `anthropic-beta` headers
 * with them; the reply's bytes come back untouched but for its `model`, which names the model the client asked for.
 */
export function planAnthropicPassthrough(
  operation: LlmOperation,
  body: JsonObject,
  client: MessagesPassthrough,
  ctx: TranslateContext,
): UpstreamCallPlan {
  const messages = operation === 'anthropic.messages';
  const stream = messages && body.stream === true;
  const sameModel = body.model === ctx.upstreamModel;
  const raw = sameModel && client.raw !== null && rawIsUnambiguous(client.raw) ? client.raw : null;
  return {
    operation,
    body: { ...body, model: ctx.upstreamModel },
    rawBody: raw,
    headers: client.headers,
    stream,
    contentType: SSE,
    clientWantsUsage: true,
    translateResponse: null,
    readUsage: messages ? readMessagesUsage : readCountUsage,
    usageMembers: USAGE_MEMBERS,
    createStreamTransform: () => createAnthropicPassthrough(ctx.publicModel),
  };
}

/**
 * Plans a Messages call on an upstream of any dialect: passthrough to Anthropic, translation through chat to the
 * others. Counting tokens needs Anthropic's tokenizer: the route boundary refuses it before admission for a model
 * with other targets (see the dialect's `nativeOnly`), so it reaching another dialect is a routing bug.
 */
export function planMessagesCall(
  operation: LlmOperation,
  upstream: Dialect,
  body: JsonObject,
  client: MessagesPassthrough,
  ctx: TranslateContext,
  options: PlanOptions,
): UpstreamCallPlan {
  if (upstream === 'anthropic') return planAnthropicPassthrough(operation, body, client, ctx);
  if (operation !== 'anthropic.messages')
    throw new TypeError(`${operation} needs an Anthropic upstream, not ${upstream}`);
  return planMessagesViaChat(upstream, body, ctx, options);
}
