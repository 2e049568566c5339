/**
 * Issue 14, finding 5: the 65th concurrent call to an upstream used to hang silently in the connection pool until
 * its first-byte timeout. Now a gate of `max_connections` slots fronts each origin: a tenant holds at most its
 * share, waiters are served round-robin between tenants, a wait is bounded by `queue_timeout_ms` and ends in
 * 503 `upstream_saturated` with `Retry-After` (one audit event), and failover takes a target with a free slot.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/gateway.ts';
import { type LlmTestGateway, startLlmGateway } from '../llm/support.ts';

const chunk = (content: string | null, finish: string | null = null): string =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-fake',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'fake',
    choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finish }],
  })}\n\n`;

/**
 * An OpenAI upstream whose streams send their first event at once and then wait: a message starting with `hold`
 * until the test releases it, any other at once. Records concurrency and the order messages arrived in.
 */
class HoldingUpstream {
  readonly server: Server;
  active = 0;
  maxActive = 0;
  readonly arrivals: string[] = [];
  readonly #held: Array<() => void> = [];

  constructor() {
    this.server = createServer((req, res) => void this.#serve(req, res));
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    for await (const part of req) body += String(part);
    if (req.method !== 'POST') {
      // The readiness probe's model listing.
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"object":"list","data":[]}');
      return;
    }
    const content = String((JSON.parse(body) as { messages: Array<{ content: string }> }).messages[0]?.content);
    this.arrivals.push(content);
    this.active += 1;
    this.maxActive = Math.max(this.maxActive, this.active);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(chunk(''));
    if (content.startsWith('hold')) await new Promise<void>((resolve) => this.#held.push(resolve));
    res.end(`${chunk('done')}${chunk(null, 'stop')}data: [DONE]\n\n`);
    this.active -= 1;
  }

  get held(): number {
    return this.#held.length;
  }

  releaseOne(): void {
    this.#held.shift()?.();
  }

  releaseAll(): void {
    for (const release of this.#held.splice(0)) release();
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.releaseAll();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

interface Answer {
  status: number;
  id: string;
  retryAfter: string | undefined;
  /** The SSE text (streams) or the error body. */
  text: string;
}

describe('[INV-2] issue 14 finding 5: a saturated upstream queues fairly and refuses cleanly', () => {
  const wide = new HoldingUpstream();
  const narrow = new HoldingUpstream();
  const left = new HoldingUpstream();
  const right = new HoldingUpstream();
  const client = new Agent({ connections: 400 });
  let gw: LlmTestGateway;

  beforeAll(async () => {
    const [wideUrl, narrowUrl, leftUrl, rightUrl] = await Promise.all(
      [wide, narrow, left, right].map((upstream) => upstream.listen()),
    );
    gw = await startLlmGateway({
      file: {
        upstreams: [
          { id: 'wide', provider: 'openai', base_url: `${wideUrl}/v1`, max_connections: 64, queue_timeout_ms: 1500 },
          {
            id: 'narrow',
            provider: 'openai',
            base_url: `${narrowUrl}/v1`,
            max_connections: 2,
            max_connections_per_tenant: 2,
            queue_timeout_ms: 60_000,
          },
          { id: 'left', provider: 'openai', base_url: `${leftUrl}/v1`, max_connections: 1, queue_timeout_ms: 60_000 },
          { id: 'right', provider: 'openai', base_url: `${rightUrl}/v1`, max_connections: 1, queue_timeout_ms: 60_000 },
        ],
        models: [
          { name: 'wide', targets: [{ upstream: 'wide', model: 'fake' }] },
          { name: 'narrow', targets: [{ upstream: 'narrow', model: 'fake' }] },
          {
            name: 'pair',
            targets: [
              { upstream: 'left', model: 'fake' },
              { upstream: 'right', model: 'fake' },
            ],
          },
        ],
      },
    });
  });
  afterAll(async () => {
    await gw?.dispose();
    await Promise.all([wide, narrow, left, right].map((upstream) => upstream.close()));
    await client.close();
  });

  /** Starts a streamed call; resolves with the head, and `done` with the whole answer. */
  async function call(key: string, model: string, content: string) {
    const reply = await request(`${gw.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      dispatcher: client,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content }] }),
    });
    const head = {
      status: reply.statusCode,
      id: String(reply.headers['x-gatehouse-request-id']),
      retryAfter: reply.headers['retry-after'] as string | undefined,
    };
    const done = reply.body.text().then((text): Answer => ({ ...head, text }));
    return { ...head, done };
  }

  it('answers 200 concurrent streams on 64 connections: a share served, the rest refused in bound', async () => {
    const [first, second] = await Promise.all([gw.createKey(), gw.createKey()]);
    const started = Date.now();
    const calls = Array.from({ length: 200 }, (_, i) => call(first, 'wide', `hold ${i}`));
    // The first tenant gets its share (48 of 64) and no more, however many it asks for.
    await eventually(() => wide.active === 48, { timeoutMs: 20_000 });

    // While it holds them, another tenant is served at once, not after the queue.
    const other = await call(second, 'wide', 'quick');
    expect(other.status).toBe(200);
    expect((await other.done).text).toMatch(/data: \[DONE\]/);

    // Every queued call of the first tenant is refused once its wait ran out: none hangs.
    const heads = await Promise.all(calls);
    const refused = heads.filter((head) => head.status === 503);
    const served = heads.filter((head) => head.status === 200);
    expect(served).toHaveLength(48);
    expect(refused).toHaveLength(152);
    expect(Date.now() - started).toBeLessThan(30_000);
    for (const head of refused) {
      expect(head.retryAfter).toBe('2');
      const body = JSON.parse((await head.done).text) as { error: { code: string; type: string; message: string } };
      expect(body.error).toMatchObject({ code: 'upstream_saturated', type: 'upstream_error' });
    }
    expect(wide.maxActive).toBeLessThanOrEqual(64);

    wide.releaseAll();
    for (const head of served) expect((await head.done).text).toMatch(/data: \[DONE\]\n\n$/);

    const events = await gw.auditEvents();
    for (const head of heads) expect(events.filter((event) => event.request_id === head.id)).toHaveLength(1);
    const saturated = events.filter((event) => event.error_code === 'upstream_saturated');
    expect(saturated).toHaveLength(152);
    expect(saturated.every((event) => event.status === 503 && Number(event.meta.queue_wait_ms) >= 1000)).toBe(true);

    const metrics = await (await request(`${gw.baseUrl}/metrics`)).body.text();
    expect(metrics).toMatch(/gatehouse_upstream_queue_wait_seconds_count\{upstream="wide",outcome="timeout"\} 152/);
    expect(metrics).toMatch(/gatehouse_upstream_queue_depth\{upstream="wide"\} 0/);
    expect(metrics).toMatch(/gatehouse_upstream_slots_in_use\{upstream="wide"\} 0/);
  });

  it('hands freed slots to waiting tenants in turn', async () => {
    const [first, second] = await Promise.all([gw.createKey(), gw.createKey()]);
    const holding = [await call(first, 'narrow', 'hold a1'), await call(first, 'narrow', 'hold a2')];
    await eventually(() => narrow.held === 2);
    const queued = [call(first, 'narrow', 'hold a3'), call(first, 'narrow', 'hold a4')];
    await eventually(() => gw.gateway.llm.router.queueStates().some((s) => s.upstream === 'narrow' && s.queued === 2));
    const quick = call(second, 'narrow', 'quick b1');
    await eventually(() => gw.gateway.llm.router.queueStates().some((s) => s.upstream === 'narrow' && s.queued === 3));

    narrow.releaseOne();
    await eventually(() => narrow.arrivals.includes('hold a3'));
    narrow.releaseOne();
    // The second tenant's one call comes before the first tenant's next, although it queued after it.
    expect((await (await quick).done).text).toMatch(/data: \[DONE\]/);
    await eventually(() => narrow.arrivals.includes('hold a4'));
    expect(narrow.arrivals.slice(-3)).toEqual(['hold a3', 'quick b1', 'hold a4']);

    narrow.releaseAll();
    for (const head of [...holding, ...(await Promise.all(queued))]) {
      expect((await head.done).text).toMatch(/data: \[DONE\]\n\n$/);
    }
    const events = await gw.auditEvents();
    const waited = events.filter((event) => event.meta.queue_wait_ms !== undefined && event.meta.model === 'narrow');
    expect(waited).toHaveLength(3);
  });

  it('fails over to a target with a free slot instead of waiting', async () => {
    const key = await gw.createKey();
    const holding = await call(key, 'pair', 'hold p1');
    await eventually(() => left.held + right.held === 1);
    const busy = left.held === 1 ? left : right;
    const free = busy === left ? right : left;
    const quick = await call(key, 'pair', 'quick p2');
    expect(quick.status).toBe(200);
    expect((await quick.done).text).toMatch(/data: \[DONE\]/);
    expect(free.arrivals).toContain('quick p2');
    expect(busy.held).toBe(1);
    busy.releaseAll();
    expect((await holding.done).text).toMatch(/data: \[DONE\]\n\n$/);
  });
});
