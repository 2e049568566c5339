import type { JsonObject } from '../types.ts';
import { anthropicUsageToChat, toChatFinishReason } from './anthropic-shared.ts';
import { asArray, contentText, isObject, parseArguments, type TranslateContext, toUnixSeconds } from './shared.ts';

/**
 * An OpenAI chat request carried out on an Anthropic Messages upstream, and the Messages reply turned back into a
 * chat completion. Anthropic wants the system prompt as its own field, tool results as `tool_result` blocks in a
 * user turn, roles that alternate (consecutive same-role messages are merged), no empty text blocks, and always
 * `max_tokens` (Messages API reference: "max_tokens: required").
 */

/**
 * Chat makes the output ceiling optional, Messages requires it. 4096 is the largest ceiling every Claude model
 * accepts (the Claude 3 family's limit), so the default never turns a valid request into a 400.
 */
export const DEFAULT_ANTHROPIC_MAX_TOKENS = 4096;

type MessagesTurn = { role: 'user' | 'assistant'; content: JsonObject[] };

/** A data URL → a base64 image source; any other URL → a URL source, which Anthropic fetches itself. */
function imageBlock(url: string): JsonObject {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (match !== null) return { type: 'image', source: { type: 'base64', media_type: match[1], data: match[2] } };
  return { type: 'image', source: { type: 'url', url } };
}

function userBlocks(content: unknown): JsonObject[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  const blocks: JsonObject[] = [];
  for (const part of asArray(content)) {
    if (!isObject(part)) continue;
    if (part.type === 'text' && typeof part.text === 'string' && part.text !== '') {
      blocks.push({ type: 'text', text: part.text });
    } else if (part.type === 'image_url') {
      const url = isObject(part.image_url) ? part.image_url.url : part.image_url;
      if (typeof url === 'string') blocks.push(imageBlock(url));
    }
  }
  return blocks;
}

function assistantBlocks(message: JsonObject): JsonObject[] {
  const blocks: JsonObject[] = [];
  const text = contentText(message.content);
  if (text !== '') blocks.push({ type: 'text', text });
  for (const call of asArray(message.tool_calls)) {
    if (!isObject(call)) continue;
    const fn = isObject(call.function) ? call.function : {};
    blocks.push({ type: 'tool_use', id: call.id, name: fn.name, input: parseArguments(fn.arguments) });
  }
  return blocks;
}

function toolResultBlock(message: JsonObject): JsonObject {
  return { type: 'tool_result', tool_use_id: message.tool_call_id, content: contentText(message.content) };
}

/** Chat messages → Messages `system` text and alternating turns. */
export function chatToMessagesTurns(messages: unknown): { system: string; turns: MessagesTurn[] } {
  const system: string[] = [];
  const turns: MessagesTurn[] = [];
  for (const message of asArray(messages)) {
    if (!isObject(message)) continue;
    if (message.role === 'system' || message.role === 'developer') {
      const text = contentText(message.content);
      if (text !== '') system.push(text);
      continue;
    }
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    let blocks: JsonObject[];
    if (message.role === 'assistant') blocks = assistantBlocks(message);
    else if (message.role === 'tool') blocks = [toolResultBlock(message)];
    else blocks = userBlocks(message.content);
    if (blocks.length === 0) continue;
    const last = turns[turns.length - 1];
    if (last?.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  }
  // A tool_result must lead its user turn ("tool_result blocks must come first"): a user text merged after a tool
  // message keeps its place after them, and a text merged before them moves behind.
  for (const turn of turns) {
    if (turn.role !== 'user') continue;
    turn.content.sort((a, b) => Number(b.type === 'tool_result') - Number(a.type === 'tool_result'));
  }
  return { system: system.join('\n\n'), turns };
}

function toMessagesTools(tools: unknown): JsonObject[] {
  const out: JsonObject[] = [];
  for (const tool of asArray(tools)) {
    if (!isObject(tool) || tool.type !== 'function' || !isObject(tool.function)) continue;
    const fn = tool.function;
    const entry: JsonObject = { name: fn.name, input_schema: fn.parameters ?? { type: 'object', properties: {} } };
    if (typeof fn.description === 'string') entry.description = fn.description;
    out.push(entry);
  }
  return out;
}

function toMessagesToolChoice(choice: unknown, parallel: unknown): JsonObject | undefined {
  let out: JsonObject | undefined;
  if (choice === 'required') out = { type: 'any' };
  else if (choice === 'none') out = { type: 'none' };
  else if (choice === 'auto') out = { type: 'auto' };
  else if (isObject(choice) && isObject(choice.function)) out = { type: 'tool', name: choice.function.name };
  if (parallel === false) out = { ...(out ?? { type: 'auto' }), disable_parallel_tool_use: true };
  return out;
}

/**
 * The chat request as a Messages body for `ctx.upstreamModel`. Chat's temperature runs to 2, Anthropic's to 1:
 * higher values are clamped to 1 (the most random Anthropic allows) rather than refused upstream.
 */
export function chatToMessagesBody(body: JsonObject, ctx: TranslateContext, stream: boolean): JsonObject {
  const { system, turns } = chatToMessagesTurns(body.messages);
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  const out: JsonObject = {
    model: ctx.upstreamModel,
    messages: turns,
    max_tokens: typeof maxTokens === 'number' ? maxTokens : DEFAULT_ANTHROPIC_MAX_TOKENS,
  };
  if (system !== '') out.system = system;
  if (typeof body.temperature === 'number') out.temperature = Math.min(1, body.temperature);
  if (typeof body.top_p === 'number') out.top_p = body.top_p;
  if (typeof body.stop === 'string') out.stop_sequences = [body.stop];
  else if (Array.isArray(body.stop) && body.stop.length > 0) out.stop_sequences = body.stop;
  const tools = toMessagesTools(body.tools);
  if (tools.length > 0) {
    out.tools = tools;
    const choice = toMessagesToolChoice(body.tool_choice, body.parallel_tool_calls);
    if (choice !== undefined) out.tool_choice = choice;
  }
  if (typeof body.user === 'string') out.metadata = { user_id: body.user };
  if (stream) out.stream = true;
  return out;
}

/** A Messages reply (JSON) → a chat completion named for the public model. */
export function messagesToChatResponse(reply: JsonObject, ctx: TranslateContext): JsonObject {
  const texts: string[] = [];
  const thoughts: string[] = [];
  const calls: JsonObject[] = [];
  for (const block of asArray(reply.content)) {
    if (!isObject(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string') texts.push(block.text);
    else if (block.type === 'thinking' && typeof block.thinking === 'string') thoughts.push(block.thinking);
    else if (block.type === 'tool_use') {
      calls.push({
        id: block.id,
        type: 'function',
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
    }
  }
  const message: JsonObject = { role: 'assistant', content: texts.length > 0 ? texts.join('') : null };
  if (thoughts.length > 0) message.reasoning_content = thoughts.join('');
  if (calls.length > 0) message.tool_calls = calls;
  return {
    id: `chatcmpl-${ctx.requestId}`,
    object: 'chat.completion',
    created: toUnixSeconds(ctx.now()),
    model: ctx.publicModel,
    choices: [{ index: 0, message, finish_reason: toChatFinishReason(reply.stop_reason), logprobs: null }],
    usage: anthropicUsageToChat(reply.usage),
  };
}
