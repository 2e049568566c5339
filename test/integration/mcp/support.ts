/**
 * Shared set-up for MCP integration suites: a gateway configured with server-everything over stdio (and,
 * when asked, over streamable HTTP as a child process), an Ed25519 supervisor key, and real SDK clients.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import { stringify } from 'yaml';
import { ed25519Thumbprint } from '../../../src/domain/capabilities/index.ts';
import { createGatewayEnvironment, REPO_ROOT, startGateway, type TestGateway } from '../../helpers/gateway.ts';
import { freePort } from '../../helpers/services.ts';

export const EVERYTHING_ENTRY = join(REPO_ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');

export interface Supervisor {
  privateKey: KeyObject;
  publicPem: string;
  kid: string;
}

export function createSupervisor(): Supervisor {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey,
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    kid: ed25519Thumbprint(publicKey),
  };
}

/** server-everything over streamable HTTP, as its own process on a free port. */
export async function startEverythingHttp(): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [EVERYTHING_ENTRY, 'streamableHttp'], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('listening on port')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server-everything exited ${code}: ${seen}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface McpTestGateway extends TestGateway {
  configPath: string;
}

/** A gateway whose config file holds `mcpSection` as `mcp:` (and `otherSections`, such as `oidc:`, beside it). */
export async function startMcpGateway(
  mcpSection: Record<string, unknown>,
  env: Record<string, string> = {},
  port?: number,
  otherSections: Record<string, unknown> = {},
) {
  const environment = await createGatewayEnvironment('sqlite', env);
  const configPath = join(environment.dataDir, 'gatehouse.yaml');
  writeFileSync(configPath, stringify({ ...otherSections, mcp: mcpSection }));
  environment.env.GATEHOUSE_CONFIG = configPath;
  const gateway = await startGateway({ environment, ...(port === undefined ? {} : { port }) });
  return {
    gateway,
    configPath,
    async dispose() {
      await gateway.close();
      await environment.dispose();
    },
  };
}

/** A new key whose team's policy allows every tool, prompt and resource of every server; returns the key. */
export async function keyAllowedEverything(gateway: TestGateway): Promise<string> {
  const identity = await gateway.createIdentity();
  await gateway.gateway.mcp.policies.put(
    identity.team.id,
    { rules: [{ server: '*', tools: ['*'], prompts: ['*'], resources: ['*'] }] },
    null,
  );
  return identity.key;
}

export async function connectClient(baseUrl: string, key: string, capability?: string): Promise<Client> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (capability) headers['x-gatehouse-capability'] = capability;
  const client = new Client({ name: 'gatehouse-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), { requestInit: { headers } }));
  return client;
}

/** Serves an SDK 1.x `McpServer` over streamable HTTP (one session) on a free loopback port. */
export async function serveMcpOverHttp(mcp: McpServer): Promise<{ url: string; stop(): Promise<void> }> {
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => 'only-session' });
  await mcp.connect(transport);
  const server: HttpServer = createServer((req, res) => {
    transport.handleRequest(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    async stop() {
      await mcp.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The JSON-RPC error an SDK client call was refused with (fails the test when the call succeeded). */
export async function mcpRefusal(promise: Promise<unknown>): Promise<McpError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(McpError);
  return error as McpError;
}

/**
 * A gateway with one per-user OAuth server, `tickets`, at `upstreamUrl`, whose authorization server is `issuer`; the
 * client secret travels as an env reference, as an operator would configure it.
 */
export async function startUserOAuthGateway(options: {
  upstreamUrl: string;
  issuer: string;
  client: { id: string; secret: string };
  userOAuth?: Record<string, unknown>;
  otherSections?: Record<string, unknown>;
}) {
  const port = await freePort();
  return startMcpGateway(
    {
      oauth_redirect_url: `http://127.0.0.1:${port}/mcp/oauth/callback`,
      servers: [
        {
          id: 'tickets',
          transport: 'streamable_http',
          url: options.upstreamUrl,
          user_oauth: {
            issuer: options.issuer,
            client_id: options.client.id,
            // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's literal env reference syntax
            client_secret: '${TICKETS_CLIENT_SECRET}',
            ...options.userOAuth,
          },
        },
      ],
    },
    { TICKETS_CLIENT_SECRET: options.client.secret },
    port,
    options.otherSections,
  );
}
