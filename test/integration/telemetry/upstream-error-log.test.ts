/**
 * Issue 18 "Logs": an upstream failure is logged with the upstream's id and the real cause, while the client's
 * message names the upstream id and nothing of its address. One upstream refuses connections (a port that was
 * just closed), the other accepts and never answers.
 */

import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { memoryLogger } from '../../helpers/memory-logger.ts';
import { type LlmTestGateway, startLlmGateway } from '../llm/support.ts';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('upstream errors in the log and in the client message', () => {
  let gw: LlmTestGateway;
  let hanging: FakeLlmUpstream;
  let refusedPort: number;
  const log = memoryLogger();

  beforeAll(async () => {
    refusedPort = await closedPort();
    hanging = await createFakeLlmUpstream();
    gw = await startLlmGateway({
      logger: log.logger,
      file: {
        upstreams: [
          { id: 'refusing', provider: 'openai', base_url: `http://127.0.0.1:${refusedPort}/v1`, api_keys: ['sk-a'] },
          { id: 'silent', provider: 'openai', base_url: `${hanging.origin}/v1`, api_keys: ['sk-b'] },
        ],
        models: [
          { name: 'gpt-refused', retries: 0, targets: [{ upstream: 'refusing', model: 'gpt-4o-mini' }] },
          { name: 'gpt-silent', retries: 0, timeout: '300ms', targets: [{ upstream: 'silent', model: 'gpt-4o-mini' }] },
        ],
      },
    });
  });
  afterAll(async () => {
    await gw?.dispose();
    await hanging?.close();
  });

  async function chat(model: string) {
    const key = await gw.createKey();
    const response = await request(`${gw.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] }),
    });
    const body = await response.body.text();
    return { status: response.statusCode, body, requestId: response.headers['x-gatehouse-request-id'] as string };
  }

  function failureLine(requestId: string) {
    const lines = log.lines.filter((line) => line.request_id === requestId && line.msg === 'upstream call failed');
    expect(lines).toHaveLength(1);
    return lines[0];
  }

  it('a refused connection: the log names the upstream and ECONNREFUSED, the client only the upstream id', async () => {
    const { status, body, requestId } = await chat('gpt-refused');
    expect(status).toBe(502);
    const error = (JSON.parse(body) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('upstream_unavailable');
    expect(error.message).toContain("'refusing'");
    expect(body).not.toContain('127.0.0.1');
    expect(body).not.toContain(String(refusedPort));
    expect(body).not.toContain('ECONNREFUSED');
    expect(failureLine(requestId)).toMatchObject({
      level: 40,
      code: 'upstream_unavailable',
      upstream: 'refusing',
      cause: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('a timeout: the log names the upstream and the deadline, the client only the upstream id', async () => {
    hanging.fail({ type: 'hang' });
    const { status, body, requestId } = await chat('gpt-silent');
    expect(status).toBe(504);
    const error = (JSON.parse(body) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('upstream_timeout');
    expect(error.message).toContain("'silent'");
    expect(body).not.toContain(new URL(hanging.origin).host);
    expect(failureLine(requestId)).toMatchObject({
      code: 'upstream_timeout',
      upstream: 'silent',
      cause: expect.stringContaining('within 300 ms'),
    });
    // The access line of the same request carries the upstream too, so either line leads to it.
    expect(log.lines.find((line) => line.kind === 'access' && line.request_id === requestId)).toMatchObject({
      status: 504,
      error_code: 'upstream_timeout',
    });
  });
});
