/**
 * The Anthropic Messages side of the fake LLM upstream (`POST /v1/messages` as JSON or SSE events,
 * `POST /v1/messages/count_tokens`): what Anthropic sends, for tests of the `anthropic` upstream kind and of the
 * agents that speak it. What the reply holds (text, a tool call, thinking) is set on the fake by the test.
 */
type Body = Record<string, unknown>;

export interface MessagesScript {
  text: string;
  /** When set, the model calls this tool (its arguments a JSON object's text) instead of answering in text. */
  toolCall: { name: string; arguments: string } | null;
  /** Thinking sent before the answer, with a signature. */
  reasoning: string | null;
  omitUsage: boolean;
}

const SIGNATURE = 'c2lnbmF0dXJlLWZha2U=';

function words(text: string): string[] {
  return text.split(/(?<= )/).filter((word) => word.length > 0);
}

export function countInputTokens(body: Body): number {
  return Math.max(1, JSON.stringify(body.messages ?? '').split(/\s+/).length);
}

/** The history already answers a tool call: a model answers in text after its tool ran. */
export function holdsToolResult(body: Body): boolean {
  const messages = Array.isArray(body.messages) ? (body.messages as Body[]) : [];
  return messages.some(
    (message) =>
      Array.isArray(message?.content) && (message.content as Body[]).some((block) => block?.type === 'tool_result'),
  );
}

function blocks(script: MessagesScript): Body[] {
  const out: Body[] = [];
  if (script.reasoning !== null) out.push({ type: 'thinking', thinking: script.reasoning, signature: SIGNATURE });
  const tool = script.toolCall;
  if (tool !== null) {
    out.push({ type: 'tool_use', id: 'toolu_fake_1', name: tool.name, input: JSON.parse(tool.arguments) });
  } else {
    out.push({ type: 'text', text: script.text });
  }
  return out;
}

/** A whole Message, usage split as Anthropic reports it (uncached input, cache writes, cache reads). */
export function messagesJson(body: Body, script: MessagesScript): Body {
  const content = blocks(script);
  const usage = {
    input_tokens: countInputTokens(body),
    cache_creation_input_tokens: 3,
    cache_read_input_tokens: 5,
    output_tokens: words(script.text).length,
  };
  return {
    id: 'msg_fake',
    type: 'message',
    role: 'assistant',
    model: String(body.model ?? 'unknown'),
    content,
    stop_reason: script.toolCall !== null ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    ...(script.omitUsage ? {} : { usage }),
  };
}

function event(type: string, payload: Body): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`;
}

/**
 * The event stream of one Message: `message_start` (input usage), `ping`, each block's start, deltas (text,
 * thinking then its signature, a tool's input as two `input_json_delta`s) and stop, `message_delta` (stop reason,
 * output usage), `message_stop`.
 */
export function messagesEvents(body: Body, script: MessagesScript): string[] {
  const reply = messagesJson(body, script);
  const usage = reply.usage as Body | undefined;
  const start = {
    ...reply,
    content: [],
    stop_reason: null,
    ...(usage ? { usage: { ...usage, output_tokens: 1 } } : {}),
  };
  const out = [event('message_start', { message: start }), event('ping', {})];
  (reply.content as Body[]).forEach((block, index) => {
    if (block.type === 'thinking') {
      out.push(event('content_block_start', { index, content_block: { type: 'thinking', thinking: '' } }));
      out.push(event('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: block.thinking } }));
      out.push(event('content_block_delta', { index, delta: { type: 'signature_delta', signature: SIGNATURE } }));
    } else if (block.type === 'tool_use') {
      const json = JSON.stringify(block.input);
      const half = Math.floor(json.length / 2);
      const head = { type: 'tool_use', id: block.id, name: block.name, input: {} };
      out.push(event('content_block_start', { index, content_block: head }));
      for (const part of [json.slice(0, half), json.slice(half)]) {
        out.push(event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: part } }));
      }
    } else {
      out.push(event('content_block_start', { index, content_block: { type: 'text', text: '' } }));
      for (const word of words(String(block.text))) {
        out.push(event('content_block_delta', { index, delta: { type: 'text_delta', text: word } }));
      }
    }
    out.push(event('content_block_stop', { index }));
  });
  const delta = { stop_reason: reply.stop_reason, stop_sequence: null };
  out.push(event('message_delta', { delta, ...(usage ? { usage: { output_tokens: usage.output_tokens } } : {}) }));
  out.push(event('message_stop', {}));
  return out;
}

/** What an Anthropic upstream sends when it fails mid-stream (Messages API, "Streaming": error events). */
export const OVERLOADED_EVENT = event('error', { error: { type: 'overloaded_error', message: 'Overloaded' } });
