/**
 * Issue 14, finding 2: the spend of a response is durable when the client has it. The ledger was committed up to
 * 1 s after the response, so a SIGKILL handed the last second's spend back to every budget. Now a response's usage
 * is committed in the same transaction as its audit event, before its last bytes are sent: the ledger holds it
 * the moment the client does, with no flush.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usageRepository } from '../../../src/store/index.ts';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { readAuditEvents } from '../../helpers/gateway.ts';
import { type LlmTestGateway, startLlmGateway } from '../llm/support.ts';

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

describe('[INV-2] issue 14 finding 2: spend is committed with the event, before the response completes', () => {
  let upstream: FakeLlmUpstream;
  let gw: LlmTestGateway;

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    upstream.replyText = 'one two three four five six seven';
    gw = await startLlmGateway({
      file: {
        upstreams: [{ id: 'primary', provider: 'openai', base_url: `${upstream.origin}/v1` }],
        models: [{ name: 'gpt-4o-mini', targets: [{ upstream: 'primary', model: 'gpt-4o-mini' }] }],
      },
    });
  });
  afterAll(async () => {
    await gw?.dispose();
    await upstream?.close();
  });

  async function ledgerTokens(): Promise<number> {
    const rows = await usageRepository.queryUsage(gw.gateway.store.write, {}, []);
    return Number(rows[0]?.total_tokens ?? 0);
  }

  it('holds a JSON reply and a stream until their usage is in the ledger', async () => {
    const key = await gw.createKey(undefined, { budgets: { tokens_daily: 1_000_000 } });
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const received: Usage[] = [];
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const reply = await request(`${gw.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `hello ${i}` }] }),
      });
      const body = (await reply.body.json()) as { usage: Usage };
      received.push(body.usage);
      ids.push(String(reply.headers['x-gatehouse-request-id']));
      // Read at once, without flushing anything: the ledger already holds every response received so far.
      expect(await ledgerTokens()).toBe(received.reduce((sum, usage) => sum + usage.total_tokens, 0));
    }
    const stream = await request(`${gw.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'stream please' }],
        stream: true,
        stream_options: { include_usage: true },
      }),
    });
    ids.push(String(stream.headers['x-gatehouse-request-id']));
    const text = await stream.body.text();
    const usageLine = text
      .split('\n')
      .filter((line) => line.startsWith('data: {'))
      .map((line) => JSON.parse(line.slice(6)) as { usage?: Usage | null })
      .find((chunk) => chunk.usage);
    expect(usageLine?.usage?.total_tokens).toBeGreaterThan(0);
    received.push(usageLine?.usage as Usage);
    expect(await ledgerTokens()).toBe(received.reduce((sum, usage) => sum + usage.total_tokens, 0));
    const events = await readAuditEvents(gw.gateway.store);
    for (const id of ids) expect(events.filter((event) => event.request_id === id)).toHaveLength(1);
  });
});
