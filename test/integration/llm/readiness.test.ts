/** Issue 3 "Health": /readyz reports each upstream and is 503 only when no upstream of a configured model answers. */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { type LlmTestGateway, startLlmGateway } from './support.ts';

type Ready = { status: string; checks: Record<string, { ok: boolean; reason?: string }> };

async function readyz(gw: LlmTestGateway): Promise<{ status: number; body: Ready }> {
  const response = await request(`${gw.baseUrl}/readyz`);
  return { status: response.statusCode, body: (await response.body.json()) as Ready };
}

describe('LLM readiness', () => {
  let live: FakeLlmUpstream;
  let deadUrl: string;
  const gateways: LlmTestGateway[] = [];

  beforeAll(async () => {
    live = await createFakeLlmUpstream();
    const dead = await createFakeLlmUpstream();
    deadUrl = dead.origin;
    await dead.close();
  });
  afterAll(async () => {
    for (const gw of gateways) await gw.dispose();
    await live?.close();
  });

  it('stays ready with one of two upstreams down, reporting the down one', async () => {
    const gw = await startLlmGateway({
      file: {
        upstreams: [
          { id: 'up', provider: 'openai', base_url: `${live.origin}/v1` },
          { id: 'down', provider: 'openai', base_url: `${deadUrl}/v1` },
        ],
        models: [
          {
            name: 'm',
            targets: [
              { upstream: 'up', model: 'x' },
              { upstream: 'down', model: 'x' },
            ],
          },
        ],
      },
    });
    gateways.push(gw);
    const { status, body } = await readyz(gw);
    expect(status).toBe(200);
    expect(body.checks['llm.upstream.up']?.ok).toBe(true);
    expect(body.checks['llm.upstream.down']).toMatchObject({
      ok: false,
      reason: expect.stringContaining('upstream_unavailable'),
    });
    expect(body.checks.llm?.ok).toBe(true);
  });

  it('is 503 when no upstream of a configured model is reachable', async () => {
    const gw = await startLlmGateway({
      file: {
        upstreams: [{ id: 'down', provider: 'ollama', base_url: deadUrl }],
        models: [{ name: 'm', targets: [{ upstream: 'down', model: 'x' }] }],
      },
    });
    gateways.push(gw);
    const { status, body } = await readyz(gw);
    expect(status).toBe(503);
    expect(body.checks.llm).toMatchObject({
      ok: false,
      reason: expect.stringContaining('no upstream of a configured model'),
    });
  });
});
