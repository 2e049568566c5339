/**
 * @module What the browser suite runs against: a gateway listening on a fixed loopback port (the OIDC redirect URI
 * names it), a fake LLM upstream, a real MCP server whose tool can change, a fake identity provider, and Debian's
 * Chromium driven by playwright-core (Playwright's own browser download does not work on these machines).
 */

import { writeFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { McpServer, type RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { type Browser, chromium, type Page } from 'playwright-core';
import { stringify } from 'yaml';
import { z } from 'zod';
import { loadConfig } from '../../src/config/index.ts';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../helpers/fake-llm-upstream.ts';
import { type FakeOidcProvider, startFakeOidcProvider } from '../helpers/fake-oidc-provider.ts';
import { createGatewayEnvironment, type GatewayEnvironment } from '../helpers/gateway.ts';
import { freePort } from '../helpers/services.ts';

export const CHROMIUM = process.env.GATEHOUSE_CHROMIUM ?? '/usr/bin/chromium';

/** The probe's flags: without the background-networking ones Chromium keeps dialing out of a closed network. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

export interface MutableMcpServer {
  url: string;
  tool: RegisteredTool;
  stop(): Promise<void>;
}

/** A real MCP server (SDK, streamable HTTP) whose one tool the test redefines to trigger quarantine. */
export async function startMutableMcpServer(): Promise<MutableMcpServer> {
  const mcp = new McpServer({ name: 'weather', version: '1.0.0' }, { capabilities: { tools: { listChanged: true } } });
  const tool = mcp.registerTool(
    'forecast',
    { description: 'Weather forecast for a city.', inputSchema: { city: z.string() } },
    async ({ city }) => ({ content: [{ type: 'text', text: `sunny in ${city}` }] }),
  );
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => 'only-session' });
  await mcp.connect(transport);
  const server: HttpServer = createServer((req, res) => {
    transport.handleRequest(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    tool,
    async stop() {
      await mcp.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export interface ConsoleWorld {
  gateway: Gateway;
  baseUrl: string;
  idp: FakeOidcProvider;
  llm: FakeLlmUpstream;
  mcp: MutableMcpServer;
  environment: GatewayEnvironment;
  adminToken: string;
  close(): Promise<void>;
}

export async function startConsoleWorld(): Promise<ConsoleWorld> {
  const [idp, llm, mcp, port] = await Promise.all([
    startFakeOidcProvider(),
    createFakeLlmUpstream(),
    startMutableMcpServer(),
    freePort(),
  ]);
  const baseUrl = `http://127.0.0.1:${port}`;
  const environment = await createGatewayEnvironment('sqlite', { PORT: String(port), GATEHOUSE_PUBLIC_URL: baseUrl });
  const configPath = join(environment.dataDir, 'gatehouse.yaml');
  writeFileSync(
    configPath,
    stringify({
      oidc: {
        issuer: idp.issuer,
        jwks_uri: `${idp.issuer}/jwks`,
        algorithms: ['ES256'],
        console: { client_id: idp.clientId },
      },
      upstreams: [{ id: 'fake', provider: 'openai', base_url: `${llm.origin}/v1`, api_keys: ['sk-upstream'] }],
      models: [{ name: 'llama3', targets: [{ upstream: 'fake', model: 'llama3' }] }],
      prices: { llama3: { input: 1, output: 2 } },
      mcp: { pinning: 'tofu', servers: [{ id: 'weather', transport: 'streamable_http', url: mcp.url }] },
    }),
  );
  const config = loadConfig({ env: { ...environment.env, GATEHOUSE_CONFIG: configPath } });
  const gateway = await createGateway(config, { validateResponses: true });
  await gateway.app.listen({ host: '127.0.0.1', port });
  const { token } = await gateway.admin.bootstrapPlatformAdmin('ops@example.com');
  await gateway.adminSnapshot.refresh();
  return {
    gateway,
    baseUrl,
    idp,
    llm,
    mcp,
    environment,
    adminToken: token,
    async close() {
      await gateway.close();
      await Promise.all([idp.close(), llm.close(), mcp.stop()]);
      await environment.dispose();
    },
  };
}

/** Fails the test on any script error or CSP violation the page reports. */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/status of 40[0-9]/.test(message.text()))
      problems.push(`console: ${message.text()}`);
  });
  return problems;
}

export async function signInWithToken(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/console/`);
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in with the token' }).click();
  await page.getByTestId('principal').waitFor();
}
