import { describe, expect, it } from 'vitest';
import {
  chainStreamTransforms,
  createNdjsonParser,
  createOllamaPassthrough,
  createOpenAIPassthrough,
  createSseParser,
  keepStringField,
  MAX_EVENT_BYTES,
  measureStringField,
  type NdjsonLine,
  type SseEvent,
  StreamText,
  type StreamTransform,
} from '../../../../src/domain/routing/index.ts';

/** Splits `bytes` at every given offset, so a test can cut inside CRLFs, UTF-8 sequences and JSON. */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    out.push(bytes.subarray(start, cut));
    start = cut;
  }
  return out;
}

function allSingleSplits(bytes: Buffer): Buffer[][] {
  return Array.from({ length: bytes.length + 1 }, (_, i) => split(bytes, [i]));
}

function runTransform(transform: StreamTransform, chunks: Buffer[]): { out: string; complete: boolean } {
  const out: Buffer[] = [];
  for (const chunk of chunks) transform.push(chunk, out);
  const complete = transform.end(out);
  return { out: Buffer.concat(out).toString('utf8'), complete };
}

const SSE = Buffer.from(
  'data: {"choices":[{"delta":{"content":"héllo"}}]}\r\n\r\n: keep-alive\n\nevent: message\ndata: {"a":1}\ndata: {"b":2}\r\rdata: [DONE]\n\n',
);

describe('SSE parser', () => {
  it('yields the same events and bytes however the stream is split', () => {
    const whole: SseEvent[] = [];
    createSseParser().push(SSE, whole);
    expect(whole.map((event) => event.data)).toEqual([
      '{"choices":[{"delta":{"content":"héllo"}}]}',
      null,
      '{"a":1}\n{"b":2}',
      '[DONE]',
    ]);
    expect(whole[2]?.event).toBe('message');
    for (const chunks of [...allSingleSplits(SSE), split(SSE, [1, 2, 3, 40, 41, 42, 60, 61, 90])]) {
      const events: SseEvent[] = [];
      const parser = createSseParser();
      for (const chunk of chunks) parser.push(chunk, events);
      expect(events.map((event) => event.data)).toEqual(whole.map((event) => event.data));
      expect(Buffer.concat(events.map((event) => event.raw)).equals(SSE)).toBe(true);
      expect(parser.pendingBytes).toBe(0);
    }
  });

  it('reads fields as the spec does: no-colon lines, one stripped space, look-alike names, multi-byte values', () => {
    const events: SseEvent[] = [];
    const text =
      'data\n\n' +
      'data:x\ndata:  two spaces\n\n' +
      'dataX: no\nevent:ping\ndata: ünï€😀\r\n\r\n' +
      ':comment: data: no\nevent\ndata: a:b:c\r\r' +
      'event: x\n\n';
    createSseParser().push(Buffer.from(text), events);
    expect(events.map((event) => [event.data, event.event])).toEqual([
      ['', null],
      ['x\n two spaces', null],
      ['ünï€😀', 'ping'],
      ['a:b:c', ''],
      [null, 'x'],
    ]);
  });

  it('agrees with decoding the whole event and splitting it into lines, on random events', () => {
    const pieces = ['data', 'event', 'id', ':', ': ', ' ', 'x', 'é', '€', '😀', '\r\n', '\n', '\r', 'data: '];
    const reference = (raw: Buffer) => {
      let data: string | null = null;
      let event: string | null = null;
      for (const line of raw.toString('utf8').split(/\r\n|\r|\n/)) {
        if (line.length === 0 || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        let value = colon === -1 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'data') data = data === null ? value : `${data}\n${value}`;
        else if (field === 'event') event = value;
      }
      return [data, event];
    };
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    for (let n = 0; n < 500; n++) {
      let text = '';
      for (let i = next() % 20; i > 0; i--) text += pieces[next() % pieces.length];
      const events: SseEvent[] = [];
      createSseParser().push(Buffer.from(`${text}\n\n`), events);
      for (const event of events) expect([event.data, event.event]).toEqual(reference(event.raw));
    }
  });

  it('handles one byte at a time', () => {
    const events: SseEvent[] = [];
    const parser = createSseParser();
    for (let i = 0; i < SSE.length; i++) parser.push(SSE.subarray(i, i + 1), events);
    expect(events).toHaveLength(4);
  });

  it('reports an oversized event instead of buffering forever', () => {
    const parser = createSseParser();
    expect(parser.push(Buffer.alloc(MAX_EVENT_BYTES + 1, 0x61), [])).toBe(false);
  });
});

describe('NDJSON parser', () => {
  const NDJSON = Buffer.from('{"a":"é"}\n\n{"b":2}\r\n{"c":3}');

  it('splits lines at any boundary and flushes an unterminated last line', () => {
    for (const chunks of allSingleSplits(NDJSON)) {
      const lines: NdjsonLine[] = [];
      const parser = createNdjsonParser();
      for (const chunk of chunks) parser.push(chunk, lines);
      const last = parser.flush();
      expect([...lines.map((line) => line.text), last?.text]).toEqual(['{"a":"é"}', '{"b":2}', '{"c":3}']);
    }
  });
});

describe('measureStringField', () => {
  it('counts decoded characters of every occurrence', () => {
    expect(measureStringField('{"content":"ab\\"c\\u00e9"} {"content": "xy"}', 'content')).toBe(7);
    expect(measureStringField('{"content":null}', 'content')).toBe(0);
  });
});

describe('keepStringField and StreamText (the streamed text of an opted-in caller)', () => {
  it('hands over every string value of the field, decoded, and skips other types', () => {
    const kept: string[] = [];
    keepStringField(
      '{"content":"ab\\"c\\u00e9"} {"content": "xy"} {"content":null} {"content":"\\\\"}',
      'content',
      (text) => kept.push(text),
    );
    expect(kept).toEqual(['ab"cé', 'xy', '\\']);
  });

  it('keeps text up to its byte limit, cut on a character boundary, and says it cut', () => {
    const text = new StreamText(10);
    text.add('abc');
    text.add('');
    expect([text.value, text.truncated]).toEqual(['abc', false]);
    text.add('défg€h');
    expect([text.value, text.truncated]).toEqual(['abcdéfg', true]);
    expect(Buffer.byteLength(text.value)).toBeLessThanOrEqual(10);
    text.add('more');
    expect(text.value).toBe('abcdéfg');
  });

  it('keeps nothing unless asked, and the content text only (a chain keeps what its first transform reads)', () => {
    const plain = createOpenAIPassthrough({ clientWantsUsage: false });
    runTransform(plain, [openAIStream(true)]);
    expect(plain.text).toBeNull();
    const reasoning = Buffer.from(
      'data: {"choices":[{"index":0,"delta":{"reasoning_content":"hmm","tool_calls":[{"function":{"arguments":"{}"}}]}}]}\n\n',
    );
    for (const chunks of allSingleSplits(Buffer.concat([reasoning, openAIStream(true)]))) {
      const kept = createOpenAIPassthrough({ clientWantsUsage: false });
      kept.keepText(1024);
      runTransform(kept, chunks);
      expect(kept.text?.value).toBe('Hi there');
    }
    const chained = chainStreamTransforms(
      createOpenAIPassthrough({ clientWantsUsage: false }),
      createOpenAIPassthrough({ clientWantsUsage: false }),
    );
    chained.keepText(4);
    runTransform(chained, [openAIStream(true)]);
    expect([chained.text?.value, chained.text?.truncated]).toEqual(['Hi t', true]);
  });
});

const openAIStream = (usageChunk: boolean, done = true) =>
  Buffer.from(
    [
      'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"}}]}\n\n',
      'data: {"choices":[{"index":0,"delta":{"content":" there"},"finish_reason":"stop"}]}\n\n',
      usageChunk ? 'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}\n\n' : '',
      done ? 'data: [DONE]\n\n' : '',
    ].join(''),
  );

describe('OpenAI pass-through', () => {
  it('forwards the original bytes, sniffs usage and strips the usage chunk the client did not ask for', () => {
    for (const chunks of allSingleSplits(openAIStream(true))) {
      const transform = createOpenAIPassthrough({ clientWantsUsage: false });
      const { out, complete } = runTransform(transform, chunks);
      expect(out).toBe(openAIStream(false).toString());
      expect(complete).toBe(true);
      expect(transform.usage).toEqual({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
      expect(transform.completionChars).toBe(8);
    }
  });

  it('keeps the usage chunk when the client asked for it', () => {
    const { out } = runTransform(createOpenAIPassthrough({ clientWantsUsage: true }), [openAIStream(true)]);
    expect(out).toBe(openAIStream(true).toString());
  });

  it('completes a stream that has a finish_reason but no [DONE], adding the terminator', () => {
    const { out, complete } = runTransform(createOpenAIPassthrough({ clientWantsUsage: false }), [
      openAIStream(false, false),
    ]);
    expect(complete).toBe(true);
    expect(out.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('reports a stream cut before its end as incomplete', () => {
    const transform = createOpenAIPassthrough({ clientWantsUsage: false });
    const out: Buffer[] = [];
    transform.push(Buffer.from('data: {"choices":[{"delta":{"content":"Hi"}}]}\n\ndata: {"cho'), out);
    expect(transform.end(out)).toBe(false);
    transform.fail('upstream_stream_truncated', 'cut', out);
    const text = Buffer.concat(out).toString();
    expect(text).not.toContain('[DONE]');
    expect(text).toContain('"code":"upstream_stream_truncated"');
  });

  it('flags garbage and in-band errors as faults', () => {
    const garbage = createOpenAIPassthrough({ clientWantsUsage: false });
    garbage.push(Buffer.from('data: <html>\n\n'), []);
    expect(garbage.fault).toBe('bad_response');
    const errored = createOpenAIPassthrough({ clientWantsUsage: false });
    errored.push(Buffer.from('data: {"error":{"message":"overloaded"}}\n\n'), []);
    expect(errored.fault).toBe('upstream_error');
    expect(errored.events).toBe(1);
  });
});

describe('Ollama pass-through', () => {
  const lines = Buffer.from(
    '{"message":{"content":"Hi"},"done":false}\n{"message":{"content":""},"done":true,"prompt_eval_count":4,"eval_count":1}\n',
  );

  it('forwards lines unchanged and reads the done counters at any split', () => {
    for (const chunks of allSingleSplits(lines)) {
      const transform = createOllamaPassthrough();
      const { out, complete } = runTransform(transform, chunks);
      expect(out).toBe(lines.toString());
      expect(complete).toBe(true);
      expect(transform.usage).toEqual({ prompt_tokens: 4, completion_tokens: 1, total_tokens: 5 });
    }
  });

  it('treats a missing done line as truncation and writes an Ollama error line', () => {
    const transform = createOllamaPassthrough();
    const out: Buffer[] = [];
    transform.push(Buffer.from('{"message":{"content":"Hi"},"done":false}\n'), out);
    expect(transform.end(out)).toBe(false);
    transform.fail('upstream_stream_truncated', 'cut short', out);
    expect(Buffer.concat(out).toString().trim().split('\n').at(-1)).toBe('{"error":"cut short"}');
  });

  it('flags an error line as a fault', () => {
    const transform = createOllamaPassthrough();
    transform.push(Buffer.from('{"error":"model not found"}\n'), []);
    expect(transform.fault).toBe('upstream_error');
  });
});
