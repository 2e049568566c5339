import { createServer, type Server } from 'node:http';

/**
 * The bench's upstream: an OpenAI-compatible server (and, at `/v1/messages`, an Anthropic one) that answers at once
 * from precomputed bytes, so the numbers measure the proxies in front of it, not it. Chat streams send eight
 * content chunks, a usage chunk and `[DONE]`; Messages streams the same eight words as Anthropic's event set.
 */
const COMPLETION = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1,
  model: 'bench-model',
  choices: [{ index: 0, message: { role: 'assistant', content: 'The quick brown fox jumps.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 },
});

function sse(event: unknown): string {
  return `data: ${JSON.stringify(event)}\n\n`;
}

const base = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'bench-model' };
const STREAM = [
  ...['The', ' quick', ' brown', ' fox', ' jumps', ' over', ' the', ' dog.'].map((word, i) =>
    sse({
      ...base,
      choices: [
        { index: 0, delta: i === 0 ? { role: 'assistant', content: word } : { content: word }, finish_reason: null },
      ],
    }),
  ),
  sse({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
  sse({ ...base, choices: [], usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 } }),
  'data: [DONE]\n\n',
].join('');

/**
 * Anthropic's Messages API, answered natively for the passthrough case (an `anthropic` upstream): the same words
 * as the chat reply, with the model the gateway's bench group names, so passthrough sends the client's bytes.
 */
const MESSAGES_MODEL = 'bench-claude';
const MESSAGE = JSON.stringify({
  id: 'msg_bench',
  type: 'message',
  role: 'assistant',
  model: MESSAGES_MODEL,
  content: [{ type: 'text', text: 'The quick brown fox jumps.' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 12, output_tokens: 8 },
});

function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

const MESSAGES_STREAM = [
  event('message_start', {
    type: 'message_start',
    message: { ...JSON.parse(MESSAGE), content: [], stop_reason: null, usage: { input_tokens: 12, output_tokens: 1 } },
  }),
  event('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
  event('ping', { type: 'ping' }),
  ...['The', ' quick', ' brown', ' fox', ' jumps', ' over', ' the', ' dog.'].map((word) =>
    event('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: word } }),
  ),
  event('content_block_stop', { type: 'content_block_stop', index: 0 }),
  event('message_delta', {
    type: 'message_delta',
    delta: { stop_reason: 'end_turn', stop_sequence: null },
    usage: { output_tokens: 8 },
  }),
  event('message_stop', { type: 'message_stop' }),
].join('');

const MODELS = JSON.stringify({
  object: 'list',
  data: [{ id: 'bench-model', object: 'model', created: 1, owned_by: 'bench' }],
});

export function createBenchUpstream(): Server {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(MODELS);
        return;
      }
      const streaming = Buffer.concat(chunks).includes('"stream":true');
      const messages = req.url?.startsWith('/v1/messages') === true;
      if (streaming) {
        res.writeHead(200, { 'content-type': 'text/event-stream' }).end(messages ? MESSAGES_STREAM : STREAM);
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end(messages ? MESSAGE : COMPLETION);
      }
    });
  });
}

/**
 * An OTLP/HTTP receiver that reads each export and answers `{}`, counting spans by their `"spanId"` keys (`GET` returns the count): the
 * bench's stand-in for a local collector, so tracing is measured with its network and serialization cost.
 */
export function createOtlpSink(): Server {
  let spans = 0;
  return createServer((request, response) => {
    if (request.method === 'GET') {
      response.end(String(spans));
      return;
    }
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      text += chunk;
    });
    request.on('end', () => {
      spans += text.split('"spanId"').length - 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
}
