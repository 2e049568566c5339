import { asArray, isObject, type TranslateContext } from '../translate/shared.ts';
import type { JsonObject } from '../types.ts';
import { chatToolName, forcedHostedTool, toChatToolChoice, toChatTools } from './tools.ts';

/**
 * A Responses API request (`POST /v1/responses`) carried out as a chat completion, for upstreams that serve chat
 * only. The whole conversation must be in the request: Codex and the Agents SDK send `store: false` with the full
 * history in `input` (messages, `function_call` and `function_call_output` items, reasoning items), which maps
 * onto chat messages one to one. What needs the upstream to hold state is refused before admission instead (see
 * `statefulFeature`).
 */

/** A chat message under construction; an assistant turn collects the function calls that follow its text. */
type ChatMessage = JsonObject & { role: string };

/** Input content parts → chat content parts: text stays text, images keep their URL (a data URL when inline). */
function toChatPart(part: unknown): JsonObject | null {
  if (typeof part === 'string') return { type: 'text', text: part };
  if (!isObject(part)) return null;
  switch (part.type) {
    case 'input_text':
    case 'output_text':
    case 'text':
      return typeof part.text === 'string' ? { type: 'text', text: part.text } : null;
    case 'refusal':
      return typeof part.refusal === 'string' ? { type: 'text', text: part.refusal } : null;
    case 'input_image': {
      if (typeof part.image_url !== 'string') return null;
      const detail = typeof part.detail === 'string' ? { detail: part.detail } : {};
      return { type: 'image_url', image_url: { url: part.image_url, ...detail } };
    }
    default:
      return null;
  }
}

/** A message's content as chat expects it: the plain string when it is text only (what every server accepts). */
function toChatContent(content: unknown): string | JsonObject[] {
  if (typeof content === 'string') return content;
  const parts = asArray(content)
    .map(toChatPart)
    .filter((part): part is JsonObject => part !== null);
  if (parts.every((part) => part.type === 'text')) return parts.map((part) => part.text as string).join('');
  return parts;
}

/** `function_call_output.output` is a string or a list of content parts; chat tool messages take text. */
function toolOutputText(output: unknown): string {
  if (typeof output === 'string') return output;
  const content = toChatContent(output);
  return typeof content === 'string' ? content : JSON.stringify(output);
}

/**
 * Chat has no `developer` role on most compatible servers (vLLM, Ollama's `/v1`); OpenAI treats `system` the same
 * way for every model, so `developer` becomes `system`.
 */
function chatRole(role: unknown): string {
  if (role === 'developer' || role === 'system') return 'system';
  return role === 'assistant' ? 'assistant' : 'user';
}

function lastAssistant(messages: ChatMessage[]): ChatMessage | null {
  const last = messages[messages.length - 1];
  return last !== undefined && last.role === 'assistant' ? last : null;
}

/** Responses `input` (a string or a list of items) → chat messages, after the `instructions` system message. */
export function responsesInputToMessages(body: JsonObject): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (typeof body.instructions === 'string' && body.instructions.length > 0) {
    messages.push({ role: 'system', content: body.instructions });
  }
  if (typeof body.input === 'string') {
    messages.push({ role: 'user', content: body.input });
    return messages;
  }
  for (const item of asArray(body.input)) {
    if (!isObject(item)) continue;
    const type = item.type ?? 'message';
    if (type === 'message') {
      messages.push({ role: chatRole(item.role), content: toChatContent(item.content) });
    } else if (type === 'function_call') {
      // Parallel calls arrive as consecutive items; chat wants them on one assistant message, after its text.
      const name = chatToolName(item.name, item.namespace);
      const call = { id: item.call_id, type: 'function', function: { name, arguments: item.arguments } };
      const turn = lastAssistant(messages);
      if (turn === null) messages.push({ role: 'assistant', content: null, tool_calls: [call] });
      else turn.tool_calls = [...asArray(turn.tool_calls), call];
    } else if (type === 'function_call_output') {
      messages.push({ role: 'tool', tool_call_id: item.call_id, content: toolOutputText(item.output) });
    }
    // Reasoning items are the model's own earlier thoughts: chat has no input field for them, and models
    // reason afresh each turn, so they are left out.
  }
  return messages;
}

function toResponseFormat(text: unknown): JsonObject | undefined {
  const format = isObject(text) && isObject(text.format) ? text.format : null;
  if (format === null) return undefined;
  if (format.type === 'json_object') return { type: 'json_object' };
  if (format.type !== 'json_schema') return undefined;
  const schema: JsonObject = { name: format.name, schema: format.schema };
  if (typeof format.strict === 'boolean') schema.strict = format.strict;
  if (typeof format.description === 'string') schema.description = format.description;
  return { type: 'json_schema', json_schema: schema };
}

const COPIED_FIELDS = ['temperature', 'top_p', 'parallel_tool_calls', 'user', 'service_tier', 'top_logprobs'];

/**
 * The chat completion body for a Responses request: messages from `instructions` and `input`, function tools,
 * tool choice, structured output, the output ceiling and the sampling fields chat shares. Usage is always asked
 * for on streams, since the client's usage comes from it. The chat plan then adapts it to the upstream (the
 * token field of reasoning models, or Ollama's native shape).
 */
export function responsesToChatBody(body: JsonObject, ctx: TranslateContext, stream: boolean): JsonObject {
  const out: JsonObject = { model: ctx.upstreamModel, messages: responsesInputToMessages(body) };
  for (const field of COPIED_FIELDS) if (body[field] !== undefined && body[field] !== null) out[field] = body[field];
  if (typeof body.top_logprobs === 'number') out.logprobs = true;
  const tools = toChatTools(body);
  if (tools.length > 0) out.tools = tools;
  const toolChoice = toChatToolChoice(body.tool_choice);
  if (toolChoice !== undefined && tools.length > 0) out.tool_choice = toolChoice;
  const responseFormat = toResponseFormat(body.text);
  if (responseFormat !== undefined) out.response_format = responseFormat;
  if (isObject(body.reasoning) && typeof body.reasoning.effort === 'string') {
    out.reasoning_effort = body.reasoning.effort;
  }
  if (typeof body.max_output_tokens === 'number') out.max_tokens = body.max_output_tokens;
  if (stream) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  return out;
}

/**
 * What in a Responses request only an upstream that serves the Responses API can honour, named for the client's
 * error; null when the request translates to chat without loss. Chat keeps no state between calls and has no
 * hosted tools, so answering these by translation would silently answer a different question. Hosted tools that
 * are merely offered are left out (see tools.ts); one that `tool_choice` forces is refused.
 */
export function statefulFeature(body: JsonObject): string | null {
  if (typeof body.previous_response_id === 'string') return 'previous_response_id';
  if (body.conversation !== undefined && body.conversation !== null) return 'conversation';
  if (body.background === true) return 'background';
  if (isObject(body.prompt)) return 'prompt (a stored prompt template)';
  for (const item of asArray(body.input)) {
    if (isObject(item) && item.type === 'item_reference') return 'input items of type item_reference';
  }
  return forcedHostedTool(body);
}

const MESSAGE_ROLES = new Set(['user', 'assistant', 'system', 'developer']);

/** The first field of an input item that is missing or of the wrong type, or null when the item is usable. */
function itemFault(item: JsonObject): { field: string; detail: string } | null {
  const type = item.type ?? 'message';
  if (type === 'message') {
    if (!MESSAGE_ROLES.has(item.role as string)) {
      return { field: 'role', detail: 'must be one of user, assistant, system, developer' };
    }
    if (typeof item.content !== 'string' && !Array.isArray(item.content)) {
      return { field: 'content', detail: 'must be a string or a list of content parts' };
    }
  } else if (type === 'function_call') {
    for (const field of ['call_id', 'name', 'arguments']) {
      if (typeof item[field] !== 'string') return { field, detail: 'must be a string' };
    }
  } else if (type === 'function_call_output') {
    if (typeof item.call_id !== 'string') return { field: 'call_id', detail: 'must be a string' };
    if (typeof item.output !== 'string' && !Array.isArray(item.output)) {
      return { field: 'output', detail: 'must be a string or a list of content parts' };
    }
  }
  return null;
}

/**
 * Checks the items of `input` that the gateway translates (messages, function calls and their outputs), and that
 * every `function_call_output` answers a `function_call` earlier in `input`, unless the history lives on the
 * upstream (behind `previous_response_id` or a conversation). Returns the first fault with its field path.
 */
export function invalidInputItem(body: JsonObject): { param: string; detail: string } | null {
  const stateful = typeof body.previous_response_id === 'string' || body.conversation !== undefined;
  const calls = new Set<unknown>();
  const input = asArray(body.input);
  for (let index = 0; index < input.length; index++) {
    const item = input[index] as JsonObject;
    const fault = itemFault(item);
    if (fault !== null)
      return { param: `input.${index}.${fault.field}`, detail: `input.${index}.${fault.field} ${fault.detail}` };
    if (item.type === 'function_call') calls.add(item.call_id);
    else if (item.type === 'function_call_output' && !stateful && !calls.has(item.call_id)) {
      return {
        param: `input.${index}.call_id`,
        detail: `input.${index} is the output of function call ${String(item.call_id)}, but no function_call item with that call_id comes before it in input`,
      };
    }
  }
  return null;
}
