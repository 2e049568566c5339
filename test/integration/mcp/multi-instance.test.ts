import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGatewayEnvironment,
  eventually,
  type GatewayEnvironment,
  type StoreKind,
  startGateway,
  type TestGateway,
  type TestIdentity,
} from '../../helpers/gateway.ts';
import { postgresAvailable } from '../../helpers/services.ts';
import { type FlakyHttpHost, startFlakyHttp } from './fixtures/flaky-server.ts';
import { connectClient } from './support.ts';

const postgresOk = await postgresAvailable();
const PROPAGATION = { timeoutMs: 5000, intervalMs: 25 };

for (const kind of ['sqlite', 'postgres'] as StoreKind[]) {
  describe.skipIf(kind === 'postgres' && !postgresOk)(`MCP admin changes reach another instance (${kind})`, () => {
    let environment: GatewayEnvironment;
    let a: TestGateway;
    let b: TestGateway;
    let one: FlakyHttpHost;
    let two: FlakyHttpHost;
    let caller: TestIdentity;
    let admin: Record<string, string>;

    const onA = async (method: 'POST' | 'DELETE', path: string, body?: unknown) => {
      const response = await request(`${a.baseUrl}${path}`, {
        method,
        headers: { ...admin, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      await response.body.dump();
      return response.statusCode;
    };
    const callOnB = async (tool: string, args: Record<string, unknown> = {}) => {
      const response = await request(`${b.baseUrl}/mcp/v1/servers/shared/tools/${tool}:call`, {
        method: 'POST',
        headers: { ...caller.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ arguments: args }),
      });
      const body = (await response.body.json()) as { content?: { text: string }[]; error?: { code: string } };
      return { status: response.statusCode, text: body.content?.[0]?.text, code: body.error?.code };
    };
    const policy = (tools: string[]) =>
      onA('POST', `/admin/v1/mcp/policies/${caller.team.id}`, {
        rules: tools.length > 0 ? [{ server: 'shared', tools }] : [],
      });

    beforeAll(async () => {
      one = await startFlakyHttp('streamable_http', 'one');
      two = await startFlakyHttp('streamable_http', 'two');
      environment = await createGatewayEnvironment(kind);
      a = await startGateway({ environment });
      b = await startGateway({ environment });
      caller = await a.createIdentity();
      await b.gateway.snapshot.refresh();
      const { token } = await a.gateway.admin.bootstrapPlatformAdmin('admin@example.com');
      admin = { authorization: `Bearer ${token}` };
      await a.gateway.adminSnapshot.refresh();
    });
    afterAll(async () => {
      await b?.close();
      await a?.close();
      await environment?.dispose();
      await one?.stop();
      await two?.stop();
    });

    it('a server registered and a policy set on A are served by B, with the stored credential', async () => {
      expect(await policy(['echo', 'whoami'])).toBe(200);
      const registered = await onA('POST', '/admin/v1/mcp/servers', {
        id: 'shared',
        transport: 'streamable_http',
        url: one.url,
        credential: 'secret-one',
        credential_header: 'x-api-key',
      });
      expect(registered).toBe(201);

      const answer = await eventually(async () => {
        const result = await callOnB('whoami');
        return result.status === 200 ? result : false;
      }, PROPAGATION);
      expect(answer.text).toBe(`one:${process.pid}`);
      expect(one.seenHeaders.get('x-api-key')).toBe('secret-one');

      const client = await connectClient(b.baseUrl, caller.key);
      try {
        const { tools } = await client.listTools();
        expect(tools.map((tool) => tool.name).sort()).toEqual(['shared__echo', 'shared__whoami']);
      } finally {
        await client.close();
      }
    });

    it('a re-registration on A (new URL and credential) reconnects B to the new upstream', async () => {
      const updated = await onA('POST', '/admin/v1/mcp/servers', {
        id: 'shared',
        transport: 'streamable_http',
        url: two.url,
        credential: 'secret-two',
        credential_header: 'x-api-key',
      });
      expect(updated).toBe(200);
      await eventually(async () => (await callOnB('whoami')).text === `two:${process.pid}`, PROPAGATION);
      expect(two.seenHeaders.get('x-api-key')).toBe('secret-two');
    });

    it('a narrower policy on A hides and refuses tools on B; an empty one hides the server', async () => {
      expect(await policy(['whoami'])).toBe(200);
      const refused = await eventually(async () => {
        const result = await callOnB('echo', { message: 'hi' });
        return result.status === 404 ? result : false;
      }, PROPAGATION);
      expect(refused.code).toBe('tool_not_found');
      expect((await callOnB('whoami')).status).toBe(200);

      expect(await policy([])).toBe(200);
      await eventually(async () => {
        const response = await request(`${b.baseUrl}/mcp/v1/servers`, { headers: caller.headers });
        return ((await response.body.json()) as { data: unknown[] }).data.length === 0;
      }, PROPAGATION);
      expect((await callOnB('whoami')).code).toBe('mcp_server_not_found');
    });

    it('a deletion on A removes the server on B', async () => {
      expect(await policy(['*'])).toBe(200);
      await eventually(async () => (await callOnB('whoami')).status === 200, PROPAGATION);
      expect(await onA('DELETE', '/admin/v1/mcp/servers/shared')).toBe(204);
      const gone = await eventually(async () => {
        const result = await callOnB('whoami');
        return result.status === 404 ? result : false;
      }, PROPAGATION);
      expect(gone.code).toBe('mcp_server_not_found');
      expect(b.gateway.mcp.registry.server('shared')).toBeUndefined();
    });
  });
}
