/**
 * Issue 13 §5: model prices through the admin API (`/admin/v1/llm/prices`): the table in force with each row's
 * source, admin rows over config and default ones, stored and picked up by every instance, audited, validated, and
 * charged by cost budgets from the next request on.
 */
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Answer } from '../../../src/client/index.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { createGateway, type Gateway } from '../../../src/gateway.ts';
import { llmRepository } from '../../../src/store/index.ts';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import {
  createGatewayEnvironment,
  eventually,
  type GatewayEnvironment,
  readAuditEvents,
  uniqueName,
} from '../../helpers/gateway.ts';
import { postgresAvailable } from '../../helpers/services.ts';
import { FAST_POLICY } from './support.ts';

interface Reply {
  status: number;
  json: Record<string, unknown> & { error?: { code: string; message: string; type: string; param: unknown } };
  requestId: string;
}

type PriceRow = Answer<'admin.llm.prices.get'>;

interface Instance {
  gateway: Gateway;
  baseUrl: string;
}

function fileConfig(origin: string): Record<string, unknown> {
  return {
    upstreams: [{ id: 'up', provider: 'openai', base_url: `${origin}/v1` }],
    models: [
      { name: 'gpt-4o', targets: [{ upstream: 'up', model: 'gpt-4o' }] },
      { name: 'house', targets: [{ upstream: 'up', model: 'house' }] },
      { name: 'local', targets: [{ upstream: 'up', model: 'local' }] },
    ],
    prices: { house: { input: 1, output: 2, cache_read: 0.5 } },
  };
}

async function startInstance(environment: GatewayEnvironment): Promise<Instance> {
  const gateway = await createGateway(loadConfig({ env: environment.env }), {
    llm: { router: { policy: FAST_POLICY } },
  });
  await gateway.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = gateway.app.server.address() as AddressInfo;
  return { gateway, baseUrl: `http://127.0.0.1:${port}` };
}

async function call(base: string, method: string, path: string, token: string, body?: unknown): Promise<Reply> {
  const response = await request(`${base}${path}`, {
    method: method as 'GET',
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.body.text();
  return {
    status: response.statusCode,
    json: text.length > 0 ? JSON.parse(text) : {},
    requestId: String(response.headers['x-gatehouse-request-id']),
  };
}

const chat = { model: 'local', max_tokens: 10, messages: [{ role: 'user', content: 'hello there' }] };

// Two instances on one store: PostgreSQL (the scaled-out mode) when it runs here; under CI=true it must.
const pg = await postgresAvailable();

describe('model prices through the admin API', () => {
  let upstream: FakeLlmUpstream;
  let environment: GatewayEnvironment;
  let a: Instance;
  let b: Instance;
  let token: string;

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    environment = await createGatewayEnvironment(pg ? 'postgres' : 'sqlite');
    const path = join(environment.dataDir, 'gatehouse.yaml');
    writeFileSync(path, stringify(fileConfig(upstream.origin)));
    environment.env.GATEHOUSE_CONFIG = path;
    a = await startInstance(environment);
    b = await startInstance(environment);
    token = (await a.gateway.admin.bootstrapPlatformAdmin(`${uniqueName('admin')}@example.com`)).token;
    await a.gateway.adminSnapshot.refresh();
    await b.gateway.adminSnapshot.refresh();
  });
  afterAll(async () => {
    await a?.gateway.close();
    await b?.gateway.close();
    await environment?.dispose();
    await upstream?.close();
  });
  beforeEach(() => {
    upstream.reset();
  });

  const rows = async (instance: Instance) =>
    (await call(instance.baseUrl, 'GET', '/admin/v1/llm/prices', token)).json.data as PriceRow[];

  it('lists the defaults and the config rows with their source and the rates they charge', async () => {
    const list = await rows(a);
    expect(list.find((row) => row.model === 'gpt-4o')).toMatchObject({
      source: 'default',
      input: 2.5,
      output: 10,
      cache_read: 1.25,
      overrides: null,
      created_at: null,
    });
    // Unset subsets are shown at the rate they fall back to, so the table says what a request is charged.
    expect(list.find((row) => row.model === 'house')).toMatchObject({
      source: 'config',
      input: 1,
      output: 2,
      cache_read: 0.5,
      cache_write: 1,
      reasoning: 2,
    });
    expect(list.some((row) => row.model === 'local')).toBe(false);
    const one = await call(a.baseUrl, 'GET', '/admin/v1/llm/prices/house', token);
    expect(one.json).toMatchObject({ model: 'house', source: 'config' });
    expect((await call(a.baseUrl, 'GET', '/admin/v1/llm/prices/local', token)).status).toBe(404);
  });

  it('sets a price over a config row, audits it, and every instance charges it; removing restores the row', async () => {
    const set = await call(a.baseUrl, 'PUT', '/admin/v1/llm/prices/house', token, { input: 3, output: 4 });
    expect(set.status).toBe(200);
    expect(set.json).toMatchObject({ model: 'house', input: 3, output: 4, cache_read: 3, source: 'admin' });
    expect(set.json.overrides).toBe('config');
    expect(typeof set.json.created_at).toBe('string');
    await a.gateway.audit.flush();
    const events = (await readAuditEvents(a.gateway.store)).filter((event) => event.request_id === set.requestId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ surface: 'admin.llm.prices.set', status: 200, meta: { resource: 'house' } });

    // The other instance picks the row up on its poll; its admission prices with it.
    const seen = await eventually(async () => {
      const row = (await rows(b)).find((entry) => entry.model === 'house');
      return row?.source === 'admin' ? row : undefined;
    });
    expect(seen).toMatchObject({ input: 3, output: 4 });
    expect(b.gateway.llm.prices.table.house).toEqual({ input: 3, output: 4 });

    const removed = await call(a.baseUrl, 'DELETE', '/admin/v1/llm/prices/house', token);
    expect(removed.status).toBe(204);
    expect((await rows(a)).find((row) => row.model === 'house')).toMatchObject({ source: 'config', input: 1 });
    await eventually(() => b.gateway.llm.prices.table.house?.input === 1);

    const again = await call(a.baseUrl, 'DELETE', '/admin/v1/llm/prices/house', token);
    expect(again.status).toBe(409);
    expect(again.json.error?.message).toContain('config file');
    expect((await call(a.baseUrl, 'DELETE', '/admin/v1/llm/prices/gpt-4o', token)).status).toBe(409);
    expect((await call(a.baseUrl, 'DELETE', '/admin/v1/llm/prices/local', token)).status).toBe(404);
  });

  it('a new price applies to cost budgets at once: an unpriced model becomes refused by a spent budget', async () => {
    const tenant = await a.gateway.identity.createTenant(uniqueName('tenant'));
    const team = await a.gateway.identity.createTeam(tenant.id, uniqueName('team'));
    const issued = await a.gateway.identity.createKey({
      tenant: tenant.id,
      team: team.id,
      name: 'budgeted',
      settings: { budgets: { usd_total: 0.001 } },
    });
    await a.gateway.snapshot.refresh();
    await b.gateway.snapshot.refresh();
    const key = issued.key;
    const chatOn = async (instance: Instance) =>
      call(instance.baseUrl, 'POST', '/v1/chat/completions', key, chat).then((reply) => reply.status);

    // Unpriced: costs nothing, never blocked by a USD budget.
    expect(await chatOn(a)).toBe(200);
    expect(await chatOn(a)).toBe(200);
    const set = await call(a.baseUrl, 'PUT', '/admin/v1/llm/prices/local', token, { input: 1_000, output: 1_000 });
    expect(set.status).toBe(200);
    expect(set.json.overrides).toBeNull();
    // At 1,000 USD per million tokens, the reservation of the next call alone exceeds 0.001 USD.
    const refused = await call(a.baseUrl, 'POST', '/v1/chat/completions', key, chat);
    expect(refused.status).toBe(429);
    expect(refused.json.error?.message).toContain('total USD budget');
    await eventually(() => b.gateway.llm.prices.table.local !== undefined);
    expect(await chatOn(b)).toBe(429);
    expect(upstream.requests).toHaveLength(2);

    expect((await call(a.baseUrl, 'DELETE', '/admin/v1/llm/prices/local', token)).status).toBe(204);
    expect(await chatOn(a)).toBe(200);
  });

  it('accepts model names with the characters providers use', async () => {
    for (const model of ['llama3.1:8b', 'openai/gpt-4o-mini', 'claude-sonnet-4-5@20250929']) {
      const path = `/admin/v1/llm/prices/${encodeURIComponent(model)}`;
      const set = await call(a.baseUrl, 'PUT', path, token, { input: 0, output: 0 });
      expect(set.status, model).toBe(200);
      expect(set.json.model).toBe(model);
      expect((await call(a.baseUrl, 'DELETE', path, token)).status).toBe(204);
    }
  });

  it.each([
    ['a negative rate', 'house', { input: -1, output: 1 }, 'input'],
    ['a string', 'house', { input: '1', output: 1 }, 'input'],
    ['an infinite rate (1e400)', 'house', '{"input": 1e400, "output": 1}', 'input'],
    ['a missing output', 'house', { input: 1 }, 'output'],
    ['an unknown field', 'house', { input: 1, output: 1, cached_input: 1 }, null],
    ['a body that is not an object', 'house', [1, 2], null],
    ['a model name with a space', 'a%20b', { input: 1, output: 1 }, null],
  ])('refuses %s: 400 in the admin envelope, one audit event, nothing stored', async (_what, model, body, param) => {
    const before = await llmRepository.latestLlmRevision(a.gateway.store.read);
    const tableBefore = a.gateway.llm.prices.table;
    const reply = await call(a.baseUrl, 'PUT', `/admin/v1/llm/prices/${model}`, token, body);
    expect(reply.status).toBe(400);
    expect(reply.json.error).toMatchObject({ code: 'invalid_request', type: 'invalid_request_error' });
    expect(reply.json.error?.message.length).toBeGreaterThan(10);
    if (param !== null) expect(reply.json.error?.param).toBe(param);
    await a.gateway.audit.flush();
    const events = (await readAuditEvents(a.gateway.store)).filter((event) => event.request_id === reply.requestId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 400, error_code: 'invalid_request' });
    expect(await llmRepository.latestLlmRevision(a.gateway.store.read)).toBe(before);
    expect(a.gateway.llm.prices.table).toBe(tableBefore);
  });

  it('is governed by admin.prices.*, apart from admin.llm.*: a denied write is audited once and stores nothing', async () => {
    const base = a.baseUrl;
    const userWith = async (role: string, permissions: string[]) => {
      expect((await call(base, 'PUT', `/admin/v1/roles/${role}`, token, { permissions })).status).toBe(201);
      const user = await call(base, 'POST', '/admin/v1/users', token, { email: `${uniqueName(role)}@example.com` });
      const issued = await call(base, 'POST', `/admin/v1/users/${user.json.id}/tokens`, token, { name: role });
      const binding = { principal: `user:${user.json.id}`, role, scope: 'platform', effect: 'allow' };
      expect((await call(base, 'POST', '/admin/v1/bindings', token, binding)).status).toBe(201);
      return issued.json.token as string;
    };
    const pricing = await userWith('pricing', ['admin.prices.*']);
    const routing = await userWith('routing', ['admin.llm.*']);
    await a.gateway.adminSnapshot.refresh();

    const set = await call(base, 'PUT', '/admin/v1/llm/prices/house', pricing, { input: 5, output: 6 });
    expect(set.status).toBe(200);
    expect((await call(base, 'GET', '/admin/v1/llm/upstreams', pricing)).status).toBe(403);
    expect((await call(base, 'DELETE', '/admin/v1/llm/prices/house', pricing)).status).toBe(204);

    expect((await call(base, 'GET', '/admin/v1/llm/upstreams', routing)).status).toBe(200);
    const before = await llmRepository.latestLlmRevision(a.gateway.store.read);
    const denied = await call(base, 'PUT', '/admin/v1/llm/prices/house', routing, { input: 0, output: 0 });
    expect(denied.status).toBe(403);
    expect(denied.json.error).toMatchObject({ code: 'permission_denied', type: 'permission_error' });
    await a.gateway.audit.flush();
    const events = (await readAuditEvents(a.gateway.store)).filter((event) => event.request_id === denied.requestId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ surface: 'admin.llm.prices.set', status: 403 });
    expect(await llmRepository.latestLlmRevision(a.gateway.store.read)).toBe(before);
    expect(a.gateway.llm.prices.table.house).toEqual({ input: 1, output: 2, cache_read: 0.5 });
    expect((await call(base, 'GET', '/admin/v1/llm/prices', routing)).status).toBe(403);
  });

  it('refuses virtual keys and callers without a token', async () => {
    const tenant = await a.gateway.identity.createTenant(uniqueName('tenant'));
    const team = await a.gateway.identity.createTeam(tenant.id, uniqueName('team'));
    const issued = await a.gateway.identity.createKey({ tenant: tenant.id, team: team.id, name: 'k' });
    await a.gateway.snapshot.refresh();
    const asKey = await call(a.baseUrl, 'PUT', '/admin/v1/llm/prices/house', issued.key, { input: 1, output: 1 });
    expect(asKey.status).toBe(401);
    const anonymous = await request(`${a.baseUrl}/admin/v1/llm/prices`);
    expect(anonymous.statusCode).toBe(401);
    await anonymous.body.dump();
  });
});
