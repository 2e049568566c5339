/**
 * Issue 18 "Logs": `telemetry.access_log` settings change what reaches the log, read back from real requests
 * (the parsing itself is covered in test/unit/telemetry/config.test.ts). A sample ratio of 0 keeps successes out
 * but never errors; a level below the logger's turns the access log off; `enabled: false` does too.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { memoryLogger } from '../../helpers/memory-logger.ts';
import { type LlmTestGateway, startLlmGateway } from '../llm/support.ts';

type AccessLogSetting = { enabled?: boolean; sample_ratio?: number; level?: 'info' | 'debug' | 'trace' };

describe('access-log settings', () => {
  let upstream: FakeLlmUpstream;
  const gateways: LlmTestGateway[] = [];

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
  });
  afterAll(async () => {
    for (const gw of gateways) await gw.dispose();
    await upstream?.close();
  });

  async function start(accessLog: AccessLogSetting, loggerLevel = 'info') {
    const log = memoryLogger(loggerLevel);
    const gw = await startLlmGateway({
      logger: log.logger,
      file: {
        upstreams: [{ id: 'primary', provider: 'openai', base_url: `${upstream.origin}/v1`, api_keys: ['sk-x'] }],
        models: [{ name: 'gpt-log', targets: [{ upstream: 'primary', model: 'gpt-4o-mini' }] }],
        telemetry: { access_log: accessLog },
      },
    });
    gateways.push(gw);
    const key = await gw.createKey();
    async function chat(model: string) {
      const response = await request(`${gw.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] }),
      });
      await response.body.text();
      return { status: response.statusCode, requestId: response.headers['x-gatehouse-request-id'] as string };
    }
    const accessLines = (requestId: string) =>
      log.lines.filter((line) => line.kind === 'access' && line.request_id === requestId);
    return { chat, accessLines, lines: log.lines };
  }

  it('sample_ratio 0 logs no success but every error, at the configured level', async () => {
    const gw = await start({ sample_ratio: 0, level: 'debug' }, 'debug');
    const ok = await gw.chat('gpt-log');
    const missing = await gw.chat('no-such-model');
    expect([ok.status, missing.status]).toEqual([200, 404]);
    expect(gw.accessLines(ok.requestId)).toHaveLength(0);
    const [line] = gw.accessLines(missing.requestId);
    expect(line).toMatchObject({ level: 20, status: 404, error_code: 'model_not_found' });
  });

  it('sample_ratio 1 logs every success', async () => {
    const gw = await start({ sample_ratio: 1 });
    const first = await gw.chat('gpt-log');
    const second = await gw.chat('gpt-log');
    expect(gw.accessLines(first.requestId)).toMatchObject([{ level: 30, status: 200, outcome: 'success' }]);
    expect(gw.accessLines(second.requestId)).toHaveLength(1);
  });

  it('a level below the logger level turns the access log off, errors included', async () => {
    const gw = await start({ level: 'debug' }, 'info');
    const ok = await gw.chat('gpt-log');
    const missing = await gw.chat('no-such-model');
    expect([ok.status, missing.status]).toEqual([200, 404]);
    expect(gw.lines.filter((line) => line.kind === 'access')).toHaveLength(0);
  });

  it('enabled: false writes no access line', async () => {
    const gw = await start({ enabled: false });
    const ok = await gw.chat('gpt-log');
    const missing = await gw.chat('no-such-model');
    expect([ok.status, missing.status]).toEqual([200, 404]);
    expect(gw.lines.filter((line) => line.kind === 'access')).toHaveLength(0);
  });
});
