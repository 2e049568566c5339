/**
 * The Responses API side of the fake LLM upstream (`POST /v1/responses`, `/v1/responses/compact`): a JSON response
 * object or the typed SSE event stream, as OpenAI sends them, for tests of the native passthrough. What the reply
 * holds (text, a function call, reasoning, extra members) is set on the fake by the test.
 */
type Body = Record<string, unknown>;

export interface ResponsesScript {
  text: string;
  /** When set, the model answers with this function call instead of text. */
  toolCall: { name: string; arguments: string } | null;
  reasoning: string | null;
  omitUsage: boolean;
  /** Members the upstream adds that the gateway does not know: they must reach the client untouched. */
  extra: Body;
}

function usage(body: Body, output: number): Body {
  const input = Math.max(1, JSON.stringify(body.input ?? '').split(/\s+/).length);
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: 2 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: 1 },
    total_tokens: input + output,
  };
}

function outputItems(script: ResponsesScript): Body[] {
  const items: Body[] = [];
  if (script.reasoning !== null) {
    items.push({ id: 'rs_fake', type: 'reasoning', summary: [{ type: 'summary_text', text: script.reasoning }] });
  }
  if (script.toolCall !== null) {
    items.push({
      id: 'fc_fake',
      type: 'function_call',
      status: 'completed',
      call_id: 'call_fake_1',
      name: script.toolCall.name,
      arguments: script.toolCall.arguments,
    });
  } else {
    items.push({
      id: 'msg_fake',
      type: 'message',
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: script.text, annotations: [] }],
    });
  }
  return items;
}

function response(body: Body, script: ResponsesScript, status: string, output: Body[], withUsage: boolean): Body {
  return {
    id: 'resp_fake',
    object: 'response',
    created_at: 1,
    status,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    model: String(body.model ?? 'unknown'),
    output,
    parallel_tool_calls: true,
    tool_choice: 'auto',
    tools: body.tools ?? [],
    store: body.store ?? true,
    usage: withUsage && !script.omitUsage ? usage(body, script.text.split(' ').length) : null,
    ...script.extra,
  };
}

export function responsesJson(path: string, body: Body, script: ResponsesScript): Body {
  if (path.endsWith('/compact')) {
    return {
      id: 'cmp_fake',
      object: 'response.compaction',
      created_at: 1,
      output: [{ id: 'cmp_item', type: 'compaction', encrypted_content: 'opaque' }],
      usage: usage(body, 3),
    };
  }
  return response(body, script, 'completed', outputItems(script), true);
}

/** The event stream of one response: lifecycle events around each item's added, delta, done events. */
export function responsesEvents(body: Body, script: ResponsesScript): string[] {
  const events: Body[] = [];
  events.push({ type: 'response.created', response: response(body, script, 'in_progress', [], false) });
  events.push({ type: 'response.in_progress', response: response(body, script, 'in_progress', [], false) });
  const items = outputItems(script);
  items.forEach((item, index) => {
    const at = { item_id: item.id, output_index: index };
    if (item.type === 'message') {
      events.push({ type: 'response.output_item.added', output_index: index, item: { ...item, content: [] } });
      const part = { type: 'output_text', text: '', annotations: [] };
      events.push({ type: 'response.content_part.added', ...at, content_index: 0, part });
      for (const word of script.text.split(/(?<= )/)) {
        events.push({ type: 'response.output_text.delta', ...at, content_index: 0, delta: word, logprobs: [] });
      }
      events.push({ type: 'response.output_text.done', ...at, content_index: 0, text: script.text, logprobs: [] });
      const done = { ...part, text: script.text };
      events.push({ type: 'response.content_part.done', ...at, content_index: 0, part: done });
    } else if (item.type === 'function_call') {
      events.push({ type: 'response.output_item.added', output_index: index, item: { ...item, arguments: '' } });
      events.push({ type: 'response.function_call_arguments.delta', ...at, delta: item.arguments });
      events.push({ type: 'response.function_call_arguments.done', ...at, arguments: item.arguments });
    } else {
      events.push({ type: 'response.output_item.added', output_index: index, item });
    }
    events.push({ type: 'response.output_item.done', output_index: index, item });
  });
  events.push({ type: 'response.completed', response: response(body, script, 'completed', items, true) });
  return events.map(
    (event, index) => `event: ${String(event.type)}\ndata: ${JSON.stringify({ ...event, sequence_number: index })}\n\n`,
  );
}
