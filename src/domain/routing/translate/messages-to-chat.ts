import type { JsonObject } from '../types.ts';
import { chatUsageToAnthropic, toAnthropicStopReason } from './anthropic-shared.ts';
import { asArray, isObject, parseArguments, type TranslateContext } from './shared.ts';

/**
 * An Anthropic Messages request (`POST /v1/messages`) carried out as an OpenAI chat completion, and the chat reply
 * turned back into a Messages reply. The mapping follows the two public formats: `system` becomes the first
 * message, `tool_use` blocks become the assistant's `tool_calls`, each `tool_result` block becomes a `tool`
 * message (in block order, ahead of the user's other content, as chat requires tool messages to follow the
 * assistant turn that called them). What chat cannot carry is dropped: thinking blocks and their signatures,
 * `top_k`, documents other than plain text, images inside tool results, cache_control marks.
 */

type ChatMessage = JsonObject & { role: string };

/** Text of a `system` value or a `tool_result` content: a string, or a list of blocks whose text is joined. */
export function blocksText(content: unknown): string {
  if (typeof content === 'string') return content;
  const texts: string[] = [];
  for (const block of asArray(content)) {
    if (isObject(block) && block.type === 'text' && typeof block.text === 'string') texts.push(block.text);
  }
  return texts.join('\n');
}

/** A user content block → a chat content part; null for what chat cannot carry. */
function toChatPart(block: JsonObject): JsonObject | null {
  if (block.type === 'text' && typeof block.text === 'string') return { type: 'text', text: block.text };
  if (block.type === 'document' && isObject(block.source) && block.source.type === 'text') {
    return typeof block.source.data === 'string' ? { type: 'text', text: block.source.data } : null;
  }
  if (block.type !== 'image' || !isObject(block.source)) return null;
  const source = block.source;
  if (source.type === 'base64' && typeof source.data === 'string' && typeof source.media_type === 'string') {
    return { type: 'image_url', image_url: { url: `data:${source.media_type};base64,${source.data}` } };
  }
  if (source.type === 'url' && typeof source.url === 'string')
    return { type: 'image_url', image_url: { url: source.url } };
  return null;
}

/** Chat servers accept a plain string everywhere; parts only when an image needs them. */
function chatContent(parts: JsonObject[]): string | JsonObject[] {
  if (parts.every((part) => part.type === 'text')) return parts.map((part) => part.text as string).join('\n');
  return parts;
}

/** `is_error` has no chat field; the model is told in the text, which is how it would read it natively. */
function toolMessage(block: JsonObject): ChatMessage {
  const text = blocksText(block.content);
  return {
    role: 'tool',
    tool_call_id: typeof block.tool_use_id === 'string' ? block.tool_use_id : '',
    content: block.is_error === true ? `Error: ${text}` : text,
  };
}

function userMessages(content: unknown, into: ChatMessage[]): void {
  if (typeof content === 'string') {
    into.push({ role: 'user', content });
    return;
  }
  const parts: JsonObject[] = [];
  for (const block of asArray(content)) {
    if (!isObject(block)) continue;
    if (block.type === 'tool_result') into.push(toolMessage(block));
    else {
      const part = toChatPart(block);
      if (part !== null) parts.push(part);
    }
  }
  if (parts.length > 0) into.push({ role: 'user', content: chatContent(parts) });
}

function assistantMessage(content: unknown): ChatMessage {
  if (typeof content === 'string') return { role: 'assistant', content };
  const texts: string[] = [];
  const calls: JsonObject[] = [];
  for (const block of asArray(content)) {
    if (!isObject(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string') texts.push(block.text);
    else if (block.type === 'tool_use') {
      calls.push({
        id: block.id,
        type: 'function',
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
    }
  }
  const message: ChatMessage = { role: 'assistant', content: texts.length > 0 ? texts.join('') : null };
  if (calls.length > 0) message.tool_calls = calls;
  return message;
}

/**
 * A `system` turn inside `messages` (Claude Code 2.1 sends reminders this way; Anthropic's API takes only the
 * top-level `system`) stays a system message where it stands: read as a user turn, the model would take the
 * gateway's instructions as the user's words. Chat and Ollama both accept system messages mid-conversation.
 */
function systemMessage(content: unknown, into: ChatMessage[]): void {
  const text = blocksText(content);
  if (text.length > 0) into.push({ role: 'system', content: text });
}

/** Messages `system` and `messages` → chat messages. */
export function messagesToChatMessages(body: JsonObject): ChatMessage[] {
  const out: ChatMessage[] = [];
  const system = blocksText(body.system);
  if (system.length > 0) out.push({ role: 'system', content: system });
  for (const message of asArray(body.messages)) {
    if (!isObject(message)) continue;
    if (message.role === 'assistant') out.push(assistantMessage(message.content));
    else if (message.role === 'system') systemMessage(message.content, out);
    else userMessages(message.content, out);
  }
  return out;
}

/** Messages `tool_choice` → chat's; `disable_parallel_tool_use` rides on it in Anthropic's format. */
function toChatToolChoice(choice: unknown): unknown {
  if (!isObject(choice)) return undefined;
  switch (choice.type) {
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      return { type: 'function', function: { name: choice.name } };
    default:
      return 'auto';
  }
}

function toChatTools(tools: unknown): JsonObject[] {
  return asArray(tools)
    .filter(isObject)
    .map((tool) => {
      const fn: JsonObject = { name: tool.name, parameters: tool.input_schema ?? { type: 'object', properties: {} } };
      if (typeof tool.description === 'string') fn.description = tool.description;
      return { type: 'function', function: fn };
    });
}

/**
 * Tools that only Anthropic runs (web search, code execution, computer use: their `type` names a versioned
 * server tool) have no chat equivalent; the route refuses them for a translated upstream with the name returned
 * here, rather than silently offering the model a tool that nobody runs.
 */
export function messagesServerTool(body: JsonObject): string | null {
  for (const tool of asArray(body.tools)) {
    if (isObject(tool) && tool.type !== undefined && tool.type !== 'custom') {
      return typeof tool.name === 'string' ? tool.name : String(tool.type);
    }
  }
  return null;
}

/** The whole Messages request as a chat body for `ctx.upstreamModel`; streams always ask for the usage chunk. */
export function messagesToChatBody(body: JsonObject, ctx: TranslateContext, stream: boolean): JsonObject {
  const out: JsonObject = { model: ctx.upstreamModel, messages: messagesToChatMessages(body) };
  if (typeof body.max_tokens === 'number') out.max_tokens = body.max_tokens;
  if (typeof body.temperature === 'number') out.temperature = body.temperature;
  if (typeof body.top_p === 'number') out.top_p = body.top_p;
  if (Array.isArray(body.stop_sequences) && body.stop_sequences.length > 0) out.stop = body.stop_sequences;
  const tools = toChatTools(body.tools);
  if (tools.length > 0) {
    out.tools = tools;
    const choice = toChatToolChoice(body.tool_choice);
    if (choice !== undefined) out.tool_choice = choice;
    if (isObject(body.tool_choice) && body.tool_choice.disable_parallel_tool_use === true) {
      out.parallel_tool_calls = false;
    }
  }
  if (isObject(body.metadata) && typeof body.metadata.user_id === 'string') out.user = body.metadata.user_id;
  if (stream) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  return out;
}

/** Reasoning text as compatible chat servers report it (vLLM and DeepSeek, or Ollama's `/v1`). */
export function chatReasoning(message: JsonObject): string {
  if (typeof message.reasoning_content === 'string') return message.reasoning_content;
  return typeof message.reasoning === 'string' ? message.reasoning : '';
}

/** A chat completion (JSON) → a Messages reply named for the public model. */
export function chatToMessagesResponse(chat: JsonObject, ctx: TranslateContext): JsonObject {
  const choice = asArray(chat.choices).find(isObject) ?? {};
  const message = isObject(choice.message) ? choice.message : {};
  const content: JsonObject[] = [];
  const thought = chatReasoning(message);
  if (thought !== '') content.push({ type: 'thinking', thinking: thought, signature: '' });
  if (typeof message.content === 'string' && message.content !== '') {
    content.push({ type: 'text', text: message.content });
  }
  for (const call of asArray(message.tool_calls)) {
    if (!isObject(call)) continue;
    const fn = isObject(call.function) ? call.function : {};
    content.push({ type: 'tool_use', id: call.id, name: fn.name, input: parseArguments(fn.arguments) });
  }
  const toolUse = content.some((block) => block.type === 'tool_use');
  return {
    id: `msg_${ctx.requestId}`,
    type: 'message',
    role: 'assistant',
    model: ctx.publicModel,
    content,
    stop_reason: toolUse ? 'tool_use' : toAnthropicStopReason(choice.finish_reason),
    stop_sequence: null,
    usage: chatUsageToAnthropic(chat.usage),
  };
}
