import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  countInputTokens,
  holdsToolResult as holdsAnthropicToolResult,
  messagesEvents,
  messagesJson,
  OVERLOADED_EVENT,
} from './fake-anthropic-api.ts';
import { responsesEvents, responsesJson } from './fake-responses-api.ts';

/**
 * A real HTTP server on 127.0.0.1:0 speaking the OpenAI-compatible API (`/v1/*`, Azure's `/openai/deployments/*`)
 * and Ollama's native API (`/api/*`), with JSON and streamed (SSE / NDJSON) replies and usage, OpenAI's
 * Responses API (`/v1/responses`, see fake-responses-api.ts) and Anthropic's Messages API (`/v1/messages`, see
 * fake-anthropic-api.ts). Tests queue faults
 * to make it fail on purpose, and read `requests` to assert on exactly what the upstream received.
 */
export type FakeFault =
  | { type: 'status'; status: number; body?: string; headers?: Record<string, string> }
  /** 200 with an HTML body: what a captive portal or a misrouted proxy returns. */
  | { type: 'garbage' }
  /** 200 `application/json` with exactly this body (a truncated or malformed reply). */
  | { type: 'json-body'; body: string }
  /** Accepts the request and never answers. */
  | { type: 'hang' }
  /** Sends 200 headers, then nothing. */
  | { type: 'headers-then-hang' }
  /** Streams `afterChunks` content chunks, then destroys the socket. */
  | { type: 'cut'; afterChunks: number }
  /** Streams `afterChunks` content chunks, then goes silent with the socket open. */
  | { type: 'stall'; afterChunks: number }
  /** Waits `delayMs` before each streamed chunk. */
  | { type: 'slow'; delayMs: number }
  /** Streams `afterChunks` chunks, then the upstream's own in-band error (Anthropic's `error` event), then ends. */
  | { type: 'error-event'; afterChunks: number };

export interface FaultRule {
  fault: FakeFault;
  /** How many requests the fault applies to; default 1. */
  times: number;
  when?: (request: RecordedRequest) => boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body's bytes as received (UTF-8). */
  raw: string;
  body: Record<string, unknown> | null;
  /** Set when the client closed the connection before the reply finished. */
  aborted: boolean;
}

export interface FakeLlmUpstream {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly requests: RecordedRequest[];
  /** Words streamed one per chunk, and returned whole in JSON replies. */
  replyText: string;
  /** Never report usage (as some OpenAI-compatible servers do). */
  omitUsage: boolean;
  models: string[];
  /** The model answers with this function call instead of text (chat, Ollama, Responses and Messages replies). */
  toolCall: { name: string; arguments: string } | null;
  /**
   * Reasoning text sent before the answer (`reasoning_content` on chat, a reasoning item on Responses, a thinking
   * block with its signature on Messages).
   */
  reasoning: string | null;
  /** Overrides the chat finish reason (`length`, say). */
  finishReason: string | null;
  /** Members added to Responses API replies, unknown to the gateway. */
  extra: Record<string, unknown>;
  /** Per-request text, when it returns one (an agent's side requests, such as a title, get their own answer). */
  answer: ((body: Record<string, unknown>, path: string) => string | null) | null;
  /** Chat usage details: `prompt_tokens_details.cached_tokens` and `completion_tokens_details.reasoning_tokens`. */
  usageDetails: { cached: number; reasoning: number } | null;
  /** The name replies give the model they were asked for (a dated snapshot, say); null echoes it. */
  reportModel: ((asked: string) => string) | null;
  /** Each streamed chunk goes out in two writes, cut inside its `"model"` member (a reader sees half a name). */
  splitInModel: boolean;
  fail(fault: FakeFault, options?: { times?: number; when?: (request: RecordedRequest) => boolean }): void;
  /** Resolves with the next request whose client disconnects early. */
  nextAbort(): Promise<RecordedRequest>;
  reset(): void;
  close(): Promise<void>;
}

type Body = Record<string, unknown>;

function words(text: string): string[] {
  return text.split(/(?<= )/).filter((word) => word.length > 0);
}

function promptTokens(body: Body): number {
  const text = JSON.stringify(body.messages ?? body.prompt ?? body.input ?? '');
  return Math.max(1, text.split(/\s+/).length);
}

function vector(seed: string, dimensions: number): number[] {
  return Array.from({ length: dimensions }, (_, i) => Number((((seed.length + i) % 7) / 7).toFixed(4)));
}

/** The chunk cut a few characters into its `"model"` value (whole when it has none). */
function splitInsideModel(chunk: string): string[] {
  const at = chunk.indexOf('"model"');
  if (at === -1) return [chunk];
  const cut = chunk.indexOf('"', at + '"model":'.length) + 3;
  return [chunk.slice(0, cut), chunk.slice(cut)];
}

function isOllamaPath(path: string): boolean {
  return path.startsWith('/api/');
}

export async function createFakeLlmUpstream(): Promise<FakeLlmUpstream> {
  const rules: FaultRule[] = [];
  const abortWaiters: Array<(request: RecordedRequest) => void> = [];
  const sockets = new Set<import('node:net').Socket>();

  const fake: FakeLlmUpstream = {
    origin: '',
    requests: [],
    replyText: 'Hello from the fake upstream.',
    omitUsage: false,
    models: ['gpt-4o-mini', 'llama3.1:8b', 'text-embedding-3-small'],
    toolCall: null,
    reasoning: null,
    finishReason: null,
    extra: {},
    answer: null,
    usageDetails: null,
    reportModel: null,
    splitInModel: false,
    fail(fault, options = {}) {
      rules.push({ fault, times: options.times ?? 1, when: options.when });
    },
    nextAbort() {
      return new Promise((resolve) => abortWaiters.push(resolve));
    },
    reset() {
      rules.length = 0;
      fake.requests.length = 0;
      fake.toolCall = null;
      fake.reasoning = null;
      fake.finishReason = null;
      fake.extra = {};
      fake.answer = null;
      fake.usageDetails = null;
      fake.reportModel = null;
      fake.splitInModel = false;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };

  function takeFault(request: RecordedRequest): FakeFault | null {
    const index = rules.findIndex((rule) => rule.when === undefined || rule.when(request));
    if (index === -1) return null;
    const rule = rules[index] as FaultRule;
    rule.times -= 1;
    if (rule.times <= 0) rules.splice(index, 1);
    return rule.fault;
  }

  function usage(body: Body, completion: number) {
    const prompt = promptTokens(body);
    const counts = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
    const details = fake.usageDetails;
    if (details === null) return counts;
    return {
      ...counts,
      prompt_tokens_details: { cached_tokens: details.cached },
      completion_tokens_details: { reasoning_tokens: details.reasoning },
    };
  }

  async function streamChunks(res: ServerResponse, chunks: string[], fault: FakeFault | null): Promise<void> {
    const limit =
      fault?.type === 'cut' || fault?.type === 'stall' || fault?.type === 'error-event'
        ? fault.afterChunks
        : chunks.length;
    for (let i = 0; i < chunks.length; i++) {
      if (i === limit) {
        if (fault?.type === 'cut') res.socket?.destroy();
        if (fault?.type === 'error-event') res.end(OVERLOADED_EVENT);
        return;
      }
      if (fault?.type === 'slow') await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (res.destroyed) return;
      // Wait until each chunk reached the socket: a cut must come after bytes the client really received.
      for (const part of fake.splitInModel ? splitInsideModel(chunks[i] as string) : [chunks[i] as string]) {
        await new Promise((resolve) => res.write(part, resolve));
      }
    }
    res.end();
  }

  function openAIChunks(body: Body, path: string): string[] {
    const model = String(body.model ?? 'unknown');
    const chat = path.endsWith('/chat/completions');
    const base = { id: 'chatcmpl-fake', object: chat ? 'chat.completion.chunk' : 'text_completion', created: 1, model };
    const parts = words(fake.replyText);
    const events = parts.map((word, i) =>
      chat
        ? {
            ...base,
            choices: [
              {
                index: 0,
                delta: i === 0 ? { role: 'assistant', content: word } : { content: word },
                finish_reason: null,
              },
            ],
          }
        : { ...base, choices: [{ index: 0, text: word, finish_reason: null }] },
    );
    const finish = fake.finishReason ?? (chat && activeCall !== null ? 'tool_calls' : 'stop');
    const last = chat
      ? { ...base, choices: [{ index: 0, delta: {}, finish_reason: finish }] }
      : { ...base, choices: [{ index: 0, text: '', finish_reason: finish }] };
    const out = [...(chat ? chatPrelude(base) : []), ...(chat && activeCall ? [] : events), last].map(
      (event) => `data: ${JSON.stringify(event)}\n\n`,
    );
    const options = body.stream_options as Body | undefined;
    if (options?.include_usage === true && !fake.omitUsage) {
      out.push(`data: ${JSON.stringify({ ...base, choices: [], usage: usage(body, parts.length) })}\n\n`);
    }
    out.push('data: [DONE]\n\n');
    return out;
  }

  /** Reasoning, then a tool call split in two argument deltas, as OpenAI streams them. */
  /**
   * The tool call of the request being answered: none once the conversation holds a tool's result, as a model
   * answers in text after its tool ran (so an agent loop ends).
   */
  let activeCall: { name: string; arguments: string } | null = null;

  function holdsToolResult(body: Body): boolean {
    const messages = Array.isArray(body.messages) ? (body.messages as Body[]) : [];
    const input = Array.isArray(body.input) ? (body.input as Body[]) : [];
    return (
      messages.some(
        (message) =>
          message?.role === 'tool' ||
          (Array.isArray(message?.content) &&
            (message.content as Body[]).some((block) => block?.type === 'tool_result')),
      ) || input.some((item) => item?.type === 'function_call_output')
    );
  }

  function chatPrelude(base: Body): Body[] {
    const chunk = (delta: Body) => ({ ...base, choices: [{ index: 0, delta, finish_reason: null }] });
    const out: Body[] = [];
    if (fake.reasoning !== null) out.push(chunk({ role: 'assistant', reasoning_content: fake.reasoning }));
    const call = activeCall;
    if (call !== null) {
      const half = Math.floor(call.arguments.length / 2);
      const head = { id: 'call_fake_1', type: 'function', function: { name: call.name, arguments: '' } };
      out.push(chunk({ tool_calls: [{ index: 0, ...head }] }));
      out.push(chunk({ tool_calls: [{ index: 0, function: { arguments: call.arguments.slice(0, half) } }] }));
      out.push(chunk({ tool_calls: [{ index: 0, function: { arguments: call.arguments.slice(half) } }] }));
    }
    return out;
  }

  function chatMessage(): Body {
    const message: Body = { role: 'assistant', content: activeCall === null ? fake.replyText : null };
    if (fake.reasoning !== null) message.reasoning_content = fake.reasoning;
    if (activeCall !== null) {
      message.tool_calls = [{ id: 'call_fake_1', type: 'function', function: { ...activeCall } }];
    }
    return message;
  }

  function ollamaMessage(content: string): Body {
    const call = activeCall;
    if (call === null) return { role: 'assistant', content };
    return {
      role: 'assistant',
      content: '',
      tool_calls: [{ function: { name: call.name, arguments: JSON.parse(call.arguments) } }],
    };
  }

  function ollamaChunks(body: Body, path: string): string[] {
    const model = String(body.model ?? 'unknown');
    const chat = path === '/api/chat';
    const parts = chat && activeCall !== null ? [''] : words(fake.replyText);
    const lines: Body[] = parts.map((word) =>
      chat
        ? { model, created_at: '2026-01-01T00:00:00Z', message: ollamaMessage(word), done: false }
        : { model, created_at: '2026-01-01T00:00:00Z', response: word, done: false },
    );
    const counts = fake.omitUsage ? {} : { prompt_eval_count: promptTokens(body), eval_count: parts.length };
    const final = chat ? { message: { role: 'assistant', content: '' } } : { response: '' };
    lines.push({
      model,
      created_at: '2026-01-01T00:00:00Z',
      ...final,
      done: true,
      done_reason: 'stop',
      total_duration: 1,
      ...counts,
    });
    return lines.map((line) => `${JSON.stringify(line)}\n`);
  }

  function jsonReply(path: string, body: Body): unknown {
    const model = String(body.model ?? 'unknown');
    const text = fake.replyText;
    const completion = words(text).length;
    const withUsage = (value: Body) => (fake.omitUsage ? value : { ...value, usage: usage(body, completion) });
    if (path.endsWith('/chat/completions')) {
      return withUsage({
        id: 'chatcmpl-fake',
        object: 'chat.completion',
        created: 1,
        model,
        choices: [
          {
            index: 0,
            message: chatMessage(),
            finish_reason: fake.finishReason ?? (activeCall === null ? 'stop' : 'tool_calls'),
          },
        ],
      });
    }
    if (path.endsWith('/completions')) {
      return withUsage({
        id: 'cmpl-fake',
        object: 'text_completion',
        created: 1,
        model,
        choices: [{ index: 0, text, finish_reason: 'stop', logprobs: null }],
      });
    }
    if (path.endsWith('/embeddings') && !isOllamaPath(path)) {
      const inputs = Array.isArray(body.input) ? body.input : [body.input];
      const dims = typeof body.dimensions === 'number' ? body.dimensions : 8;
      const data = inputs.map((input, index) => {
        const floats = vector(String(input), dims);
        const embedding =
          body.encoding_format === 'base64' ? Buffer.from(Float32Array.from(floats).buffer).toString('base64') : floats;
        return { object: 'embedding', index, embedding };
      });
      const prompt = promptTokens(body);
      return { object: 'list', data, model, usage: { prompt_tokens: prompt, total_tokens: prompt } };
    }
    const counts = fake.omitUsage ? {} : { prompt_eval_count: promptTokens(body), eval_count: completion };
    const stamp = { model, created_at: '2026-01-01T00:00:00Z', done: true, done_reason: 'stop', total_duration: 1 };
    switch (path) {
      case '/api/chat':
        return { ...stamp, message: ollamaMessage(text), ...counts };
      case '/api/generate':
        return { ...stamp, response: text, ...counts };
      case '/api/embed': {
        const inputs = Array.isArray(body.input) ? body.input : [body.input];
        return {
          model,
          embeddings: inputs.map((input) => vector(String(input), 8)),
          prompt_eval_count: promptTokens(body),
        };
      }
      case '/api/embeddings':
        return { embedding: vector(String(body.prompt), 8) };
      case '/api/show':
        return {
          modelfile: '# fake',
          parameters: '',
          template: '{{ .Prompt }}',
          details: { family: 'llama', parameter_size: '8B' },
          model_info: {},
          capabilities: ['completion'],
        };
      default:
        return null;
    }
  }

  function listing(path: string): unknown {
    if (path === '/api/tags' || path === '/api/ps') {
      return {
        models: fake.models.map((name) => ({
          name,
          model: name,
          size: 1,
          digest: 'f'.repeat(64),
          modified_at: '2026-01-01T00:00:00Z',
          details: { family: 'llama' },
        })),
      };
    }
    if (path === '/api/version') return { version: '0.6.0' };
    if (path.endsWith('/models') || path.includes('/models?')) {
      return { object: 'list', data: fake.models.map((id) => ({ id, object: 'model', created: 1, owned_by: 'fake' })) };
    }
    return null;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: Body | null = null;
    try {
      body = raw.length > 0 ? (JSON.parse(raw) as Body) : null;
    } catch {
      body = null;
    }
    const path = req.url ?? '/';
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
      raw,
      body,
      aborted: false,
    };
    fake.requests.push(record);
    res.on('close', () => {
      if (res.writableFinished) return;
      record.aborted = true;
      for (const resolve of abortWaiters.splice(0)) resolve(record);
    });
    const fault = takeFault(record);
    if (fault?.type === 'hang') return;
    if (fault?.type === 'status') {
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      res.end(
        fault.body ?? JSON.stringify({ error: { message: `fake failure ${fault.status}`, type: 'server_error' } }),
      );
      return;
    }
    if (fault?.type === 'json-body') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(fault.body);
      return;
    }
    if (fault?.type === 'garbage') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>502 Bad Gateway</body></html>');
      return;
    }
    const pathOnly = path.split('?')[0] as string;
    if (req.method === 'GET') {
      const list = listing(path);
      res.writeHead(list === null ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(list ?? { error: 'not found' }));
      return;
    }
    const asked = body ?? {};
    const request =
      fake.reportModel === null || typeof asked.model !== 'string'
        ? asked
        : { ...asked, model: fake.reportModel(asked.model) };
    activeCall = holdsToolResult(request) ? null : fake.toolCall;
    if (pathOnly === '/v1/messages/count_tokens') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ input_tokens: countInputTokens(request) }));
      return;
    }
    if (pathOnly === '/v1/messages') {
      const text = fake.answer?.(request, pathOnly) ?? fake.replyText;
      const toolCall = holdsAnthropicToolResult(request) ? null : fake.toolCall;
      const script = { text, toolCall, reasoning: fake.reasoning, omitUsage: fake.omitUsage };
      if (fault?.type === 'headers-then-hang') {
        res.writeHead(200, { 'content-type': request.stream === true ? 'text/event-stream' : 'application/json' });
        res.flushHeaders();
        return;
      }
      if (request.stream === true) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        await streamChunks(res, messagesEvents(request, script), fault);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(messagesJson(request, script)));
      return;
    }
    if (/\/responses(\/compact)?$/.test(pathOnly)) {
      const script = { ...fake, toolCall: activeCall, text: fake.replyText };
      if (request.stream === true) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        await streamChunks(res, responsesEvents(request, script), fault);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(responsesJson(pathOnly, request, script)));
      return;
    }
    const streaming = isOllamaPath(pathOnly)
      ? request.stream !== false && /\/api\/(chat|generate)$/.test(pathOnly)
      : request.stream === true;
    if (fault?.type === 'headers-then-hang') {
      res.writeHead(200, {
        'content-type': streaming && !isOllamaPath(pathOnly) ? 'text/event-stream' : 'application/x-ndjson',
      });
      res.flushHeaders();
      return;
    }
    if (streaming) {
      const ollama = isOllamaPath(pathOnly);
      res.writeHead(200, { 'content-type': ollama ? 'application/x-ndjson' : 'text/event-stream' });
      await streamChunks(res, ollama ? ollamaChunks(request, pathOnly) : openAIChunks(request, pathOnly), fault);
      return;
    }
    const reply = jsonReply(pathOnly, request);
    res.writeHead(reply === null ? 404 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(reply ?? { error: 'not found' }));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  (fake as { origin: string }).origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
