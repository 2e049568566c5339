/**
 * Every admission is settled under load: a bounded burst of mixed LLM traffic (JSON and streamed chat, embeddings,
 * Ollama-native calls, clients that hang up mid-stream) leaves no concurrency slot held, no open-reservation marker
 * behind in Redis, and exactly one audit event per request. Runs on the in-process state and on Redis.
 */
import { Redis } from 'ioredis';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { REDIS_URL, redisAvailable } from '../../helpers/services.ts';
import { type LlmTestGateway, startLlmGateway, twoUpstreamConfig } from '../llm/support.ts';

const redisOk = await redisAvailable();
const REQUESTS = 600;
const CLIENTS = 16;
const MAX_PARALLEL = 24;

function callFor(i: number): { path: string; body: Record<string, unknown>; hangUp: boolean } {
  const messages = [{ role: 'user', content: `hello ${i}` }];
  switch (i % 10) {
    case 0:
    case 1:
    case 2:
      return { path: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages, stream: true }, hangUp: false };
    case 3:
      return { path: '/v1/embeddings', body: { model: 'embed', input: ['a', 'b'] }, hangUp: false };
    case 4:
      return { path: '/api/chat', body: { model: 'llama3', messages }, hangUp: false };
    case 5:
      return { path: '/api/chat', body: { model: 'gpt-4o-mini', messages }, hangUp: false };
    case 6: {
      const slow = [{ role: 'user', content: `hang up ${i}` }];
      return {
        path: '/v1/chat/completions',
        body: { model: 'gpt-4o-mini', messages: slow, stream: true },
        hangUp: true,
      };
    }
    default:
      return { path: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages }, hangUp: false };
  }
}

function describeMixedLoad(name: string, env: Record<string, string>, redis: boolean): void {
  describe(`settling under mixed load: ${name}`, () => {
    let upstream: FakeLlmUpstream;
    let secondary: FakeLlmUpstream;
    let gw: LlmTestGateway;
    let headers: Record<string, string>;

    beforeAll(async () => {
      upstream = await createFakeLlmUpstream();
      secondary = await createFakeLlmUpstream();
      gw = await startLlmGateway({ file: twoUpstreamConfig(upstream.origin, secondary.origin), env });
      const key = await gw.createKey(undefined, { limits: { max_parallel: MAX_PARALLEL, rpm: 1_000_000 } });
      headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    });
    afterAll(async () => {
      await gw?.dispose();
      await upstream?.close();
      await secondary?.close();
    });

    it('frees every slot, leaves no open reservation and writes one audit event per request', {
      timeout: 60_000,
    }, async () => {
      const before = (await gw.auditEvents()).length;
      // The streams a client hangs up on trickle, so the client is gone while the gateway is still relaying.
      const hangsUp = (recorded: { body: Record<string, unknown> | null }) =>
        JSON.stringify(recorded.body?.messages ?? '').includes('hang up');
      upstream.fail({ type: 'slow', delayMs: 20 }, { times: REQUESTS, when: hangsUp });
      const requestIds: string[] = [];
      const outcomes = new Map<string, number>();
      const tally = (outcome: string) => outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      let next = 0;
      const client = async () => {
        while (next < REQUESTS) {
          const { path, body, hangUp } = callFor(next++);
          const controller = new AbortController();
          const response = await request(`${gw.baseUrl}${path}`, {
            method: 'POST',
            headers,
            body: JSON.stringify(body),
            signal: controller.signal,
          });
          requestIds.push(response.headers['x-gatehouse-request-id'] as string);
          if (hangUp) {
            for await (const _chunk of response.body) break;
            controller.abort();
            tally('hung up');
            continue;
          }
          await response.body.text();
          tally(String(response.statusCode));
        }
      };
      await Promise.all(Array.from({ length: CLIENTS }, client));
      expect(Object.fromEntries(outcomes)).toEqual({ 200: REQUESTS * 0.9, 'hung up': REQUESTS * 0.1 });

      // A held slot would turn one of these into a 429: they run at once, as many as the key allows.
      upstream.reset();
      upstream.fail({ type: 'slow', delayMs: 100 }, { times: MAX_PARALLEL });
      await expect
        .poll(
          async () => {
            const statuses = await Promise.all(
              Array.from({ length: MAX_PARALLEL }, async () => {
                const response = await request(`${gw.baseUrl}/v1/chat/completions`, {
                  method: 'POST',
                  headers,
                  body: JSON.stringify({
                    model: 'gpt-4o-mini',
                    messages: [{ role: 'user', content: 'x' }],
                    stream: true,
                  }),
                });
                await response.body.text();
                return response.statusCode;
              }),
            );
            return statuses.filter((status) => status !== 200);
          },
          { timeout: 5_000 },
        )
        .toEqual([]);

      if (redis) {
        const admin = new Redis(REDIS_URL);
        try {
          const open = await Promise.all(requestIds.map((id) => admin.exists(`gh:a:${id}`)));
          expect(open.filter((exists) => exists === 1)).toEqual([]);
        } finally {
          await admin.quit();
        }
      }
      await expect.poll(async () => (await gw.auditEvents()).length - before).toBeGreaterThanOrEqual(REQUESTS);
      const events = (await gw.auditEvents()).slice(before);
      const forLoad = events.filter((event) => requestIds.includes(event.request_id));
      expect(forLoad).toHaveLength(REQUESTS);
      expect(new Set(forLoad.map((event) => event.request_id)).size).toBe(REQUESTS);
      expect(forLoad.filter((event) => event.status === 499)).toHaveLength(REQUESTS * 0.1);
    });
  });
}

describeMixedLoad('in-process state', {}, false);
describe.skipIf(!redisOk)('with Redis', () => {
  describeMixedLoad('Redis', { REDIS_URL }, true);
});
