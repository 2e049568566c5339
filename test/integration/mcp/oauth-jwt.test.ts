/**
 * Issue 6, MCP clients with OAuth 2.1 bearer JWTs (the gateway as a resource server): the token's roles claim names
 * the team (its tool policy applies), its `scope` claim narrows what it may do (403 `insufficient_scope` naming the
 * scope, RFC 6750 §3.1), the audience must be this gateway (RFC 8707), and 401s point at the RFC 9728 metadata.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { AUDIENCE, ISSUER, startTestIssuer, type TestIssuer } from '../../e2e/rbac/oidc-support.ts';
import {
  createGatewayEnvironment,
  type GatewayEnvironment,
  startGateway,
  type TestGateway,
  type TestIdentity,
} from '../../helpers/gateway.ts';
import { EVERYTHING_ENTRY } from './support.ts';

describe('[INV-3] MCP clients with OAuth bearer JWTs', () => {
  let issuer: TestIssuer;
  let environment: GatewayEnvironment;
  let gw: TestGateway;
  let team: TestIdentity;
  let roles: string[];

  beforeAll(async () => {
    issuer = await startTestIssuer();
    environment = await createGatewayEnvironment('sqlite');
    const configPath = join(environment.dataDir, 'gatehouse.yaml');
    writeFileSync(
      configPath,
      stringify({
        oidc: { issuer: ISSUER, audience: AUDIENCE, jwks_uri: issuer.jwksUri, roles_claim: 'gatehouse_roles' },
        mcp: {
          stdio_allowed_commands: [process.execPath],
          servers: [
            { id: 'everything', transport: 'stdio', command: process.execPath, args: [EVERYTHING_ENTRY, 'stdio'] },
          ],
        },
      }),
    );
    environment.env.GATEHOUSE_CONFIG = configPath;
    gw = await startGateway({ environment });
    team = await gw.createIdentity();
    await gw.gateway.mcp.policies.put(team.team.id, { rules: [{ server: 'everything', tools: ['echo'] }] }, null);
    await gw.gateway.adminSnapshot.refresh();
    roles = [`agent@org:${team.tenant.id}/team:${team.team.id}`];
  });
  afterAll(async () => {
    await gw?.close();
    await environment?.dispose();
    await issuer?.close();
  });

  const get = (path: string, token: string) =>
    request(`${gw.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });

  it('lists and calls tools through /mcp with a real SDK client, under the team policy of the token', async () => {
    const token = await issuer.sign({
      sub: 'agent-1',
      gatehouse_roles: roles,
      scope: 'mcp.servers.read mcp.tools.read mcp.tools.call',
    });
    const client = new Client({ name: 'jwt-client', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${gw.baseUrl}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    try {
      const tools = await client.listTools();
      expect(tools.tools.map((tool) => tool.name)).toEqual(['everything__echo']);
      const result = await client.callTool({ name: 'everything__echo', arguments: { message: 'via oauth' } });
      expect(JSON.stringify(result.content)).toContain('via oauth');
    } finally {
      await client.close();
    }
    const events = await gw.auditEvents();
    expect(events.some((event) => event.principal?.type === 'jwt' && event.principal.team_id === team.team.id)).toBe(
      true,
    );
  });

  it('answers a token without the needed scope with 403 insufficient_scope naming it', async () => {
    const token = await issuer.sign({ sub: 'agent-2', gatehouse_roles: roles, scope: 'mcp.tools.read' });
    const listed = await get('/mcp/v1/servers/everything/tools', token);
    expect(listed.statusCode).toBe(200);
    await listed.body.dump();
    const call = await request(`${gw.baseUrl}/mcp/v1/servers/everything/tools/echo:call`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ arguments: { message: 'x' } }),
    });
    expect(call.statusCode).toBe(403);
    expect(((await call.body.json()) as { error: { code: string } }).error.code).toBe('insufficient_scope');
    const challenge = String(call.headers['www-authenticate']);
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="mcp.tools.call"');
    expect(challenge).toContain('resource_metadata=');
  });

  it('refuses a token for another audience or issuer with 401 and the resource metadata challenge', async () => {
    for (const token of [
      await issuer.sign({ sub: 'agent-3', gatehouse_roles: roles }, { audience: 'https://elsewhere.example.test' }),
      await issuer.sign({ sub: 'agent-3', gatehouse_roles: roles }, { issuer: 'https://evil.example.test' }),
    ]) {
      const res = await get('/mcp/v1/servers', token);
      expect(res.statusCode).toBe(401);
      expect(((await res.body.json()) as { error: { code: string } }).error.code).toBe('invalid_token');
      expect(String(res.headers['www-authenticate'])).toContain('resource_metadata=');
    }
  });

  it('a token naming no team sees no tools (deny by default)', async () => {
    const token = await issuer.sign({ sub: 'agent-4', gatehouse_roles: [`agent@org:${team.tenant.id}`] });
    const res = await get('/mcp/v1/servers', token);
    const body = (await res.body.json()) as { data?: unknown[] };
    expect(res.statusCode === 403 || (res.statusCode === 200 && body.data?.length === 0)).toBe(true);
  });
});
