/**
 * Issue 13, browser clients: a page in real Chromium calls the gateway cross-origin, as a browser app with the
 * OpenAI or Anthropic SDK would (their headers included), JSON and streamed. The browser's own preflight and CORS
 * checks decide: the origin `cors:` lists reads the answers, another origin's page gets nothing.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../helpers/fake-llm-upstream.ts';
import { type LlmTestGateway, startLlmGateway, twoUpstreamConfig } from '../integration/llm/support.ts';
import { launchChromium } from './support.ts';

/** A blank page on its own loopback port: its origin is what the browser sends as `Origin`. */
async function startPageServer(): Promise<{ server: Server; origin: string }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end('<!doctype html><title>app</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

interface FetchOutcome {
  ok: boolean;
  status?: number;
  text?: string;
  requestId?: string | null;
  error?: string;
}

/** Runs `fetch` in the page, as a browser app's SDK does; a CORS refusal surfaces as a rejected fetch. */
function fetchInPage(page: Page, url: string, key: string, body: unknown): Promise<FetchOutcome> {
  return page.evaluate(
    async ({ url, key, body }) => {
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${key}`,
            'content-type': 'application/json',
            'x-stainless-lang': 'js',
            'x-stainless-os': 'Unknown',
          },
          body: JSON.stringify(body),
        });
        return {
          ok: true,
          status: response.status,
          text: await response.text(),
          requestId: response.headers.get('x-gatehouse-request-id'),
        };
      } catch (error) {
        return { ok: false, error: String(error) };
      }
    },
    { url, key, body },
  );
}

describe('CORS in Chromium', () => {
  let upstream: FakeLlmUpstream;
  let gw: LlmTestGateway;
  let app: { server: Server; origin: string };
  let other: { server: Server; origin: string };
  let browser: Browser;
  let key: string;

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    app = await startPageServer();
    other = await startPageServer();
    gw = await startLlmGateway({
      file: {
        ...twoUpstreamConfig(upstream.origin, upstream.origin),
        cors: { llm: { allowed_origins: [app.origin] } },
      },
    });
    key = await gw.createKey();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.dispose();
    await upstream?.close();
    for (const page of [app, other]) await new Promise((resolve) => page?.server.close(resolve));
  });

  const messages = [{ role: 'user', content: 'hi' }];

  it('lets the listed origin call chat completions, JSON and streamed, and read the request id', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(app.origin);
      const url = `${gw.baseUrl}/v1/chat/completions`;
      const json = await fetchInPage(page, url, key, { model: 'backup', messages });
      expect(json).toMatchObject({ ok: true, status: 200 });
      expect(JSON.parse(json.text as string)).toMatchObject({ model: 'backup' });
      expect(json.requestId).toMatch(/^[0-9a-f-]{36}$/);
      const streamed = await fetchInPage(page, url, key, { model: 'backup', messages, stream: true });
      expect(streamed).toMatchObject({ ok: true, status: 200 });
      expect(streamed.text).toContain('data: [DONE]');
      const events = await gw.auditEvents();
      expect(
        events.filter((event) => event.surface === '__preflight__' && event.status === 204).length,
      ).toBeGreaterThan(0);
    } finally {
      await page.close();
    }
  });

  it("blocks another origin's page: the preflight is refused and the call never reaches the upstream", async () => {
    const page = await browser.newPage();
    try {
      await page.goto(other.origin);
      const before = upstream.requests.filter((seen) => seen.method === 'POST').length;
      const outcome = await fetchInPage(page, `${gw.baseUrl}/v1/chat/completions`, key, { model: 'backup', messages });
      expect(outcome.ok).toBe(false);
      expect(upstream.requests.filter((seen) => seen.method === 'POST')).toHaveLength(before);
      const refused = (await gw.auditEvents()).filter((event) => event.error_code === 'cors_not_allowed');
      expect(refused.at(-1)?.meta).toMatchObject({ cors_family: 'llm', origin: other.origin });
    } finally {
      await page.close();
    }
  });
});
