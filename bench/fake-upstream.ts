import { createServer, type Server } from 'node:http';

/**
 * The bench's upstream: an OpenAI-compatible server that answers at once from precomputed bytes, so the numbers
 * measure the proxies in front of it, not it. Streams send eight content chunks, a usage chunk and `[DONE]`.
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
      if (streaming) {
        res.writeHead(200, { 'content-type': 'text/event-stream' }).end(STREAM);
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end(COMPLETION);
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
