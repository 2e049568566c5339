/**
 * Issue 3: upstreams and model groups managed at runtime through `/admin/v1/llm/*`, with API keys stored only
 * as envelopes; config-file entries are listed but read-only; references are checked before anything is stored.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { type LlmTestGateway, startLlmGateway, twoUpstreamConfig } from './support.ts';

const UPSTREAM_KEY = 'sk-admin-stored-key-9876543210';

describe('LLM admin API', () => {
  let upstream: FakeLlmUpstream;
  let gw: LlmTestGateway;
  let admin: Record<string, string>;

  async function call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, headers = admin) {
    const response = await request(`${gw.baseUrl}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.body.text();
    return { status: response.statusCode, json: text.length > 0 ? JSON.parse(text) : null, text };
  }

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    gw = await startLlmGateway({ file: twoUpstreamConfig(upstream.origin, upstream.origin) });
    const { token } = await gw.gateway.admin.bootstrapPlatformAdmin('admin@example.com');
    await gw.gateway.adminSnapshot.refresh();
    admin = { authorization: `Bearer ${token}` };
  });
  afterAll(async () => {
    await gw?.dispose();
    await upstream?.close();
  });

  it('lists config upstreams and groups as read-only entries, never with keys', async () => {
    const upstreams = await call('GET', '/admin/v1/llm/upstreams');
    expect(upstreams.status).toBe(200);
    expect(upstreams.json.data.map((u: { id: string; source: string }) => [u.id, u.source])).toEqual([
      ['primary', 'config'],
      ['secondary', 'config'],
      ['native', 'config'],
    ]);
    const groups = await call('GET', '/admin/v1/llm/model_groups');
    expect(groups.json.data.find((g: { name: string }) => g.name === 'llama3')).toMatchObject({ source: 'config' });
    expect(
      (await call('PUT', '/admin/v1/llm/upstreams/primary', { provider: 'openai', base_url: 'http://x' })).status,
    ).toBe(409);
    expect((await call('DELETE', '/admin/v1/llm/model_groups/llama3')).status).toBe(409);
  });

  it('creates an upstream and a model group that serve traffic at once, keys only as envelopes', async () => {
    const created = await call('POST', '/admin/v1/llm/upstreams', {
      id: 'runtime',
      provider: 'openai',
      base_url: `${upstream.origin}/v1`,
      api_keys: [UPSTREAM_KEY],
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ id: 'runtime', source: 'admin', api_key_count: 1 });
    expect(created.text).not.toContain(UPSTREAM_KEY);
    const group = await call('POST', '/admin/v1/llm/model_groups', {
      name: 'runtime-model',
      targets: [{ upstream: 'runtime', model: 'gpt-4o-mini' }],
    });
    expect(group.status).toBe(201);

    const key = await gw.createKey();
    upstream.reset();
    const chat = await call(
      'POST',
      '/v1/chat/completions',
      { model: 'runtime-model', messages: [{ role: 'user', content: 'hi' }] },
      { authorization: `Bearer ${key}` },
    );
    expect(chat.status).toBe(200);
    expect(upstream.requests[0]?.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);

    const rows = await gw.gateway.store.read.selectFrom('llm_upstreams').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(UPSTREAM_KEY);
    const secrets = await gw.gateway.store.read.selectFrom('secrets').select(['owner', 'envelope']).execute();
    expect(secrets.some((row) => row.owner === 'llm-upstream:runtime')).toBe(true);
    expect(JSON.stringify(secrets)).not.toContain(UPSTREAM_KEY);
  });

  it('replaces an upstream keeping its keys when api_keys is omitted', async () => {
    const replaced = await call('PUT', '/admin/v1/llm/upstreams/runtime', {
      provider: 'openai',
      base_url: `${upstream.origin}/v1`,
      headers: { 'x-team': 'blue' },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.json).toMatchObject({ api_key_count: 1, headers: { 'x-team': 'blue' } });
    expect((await call('GET', '/admin/v1/llm/upstreams/runtime')).json.api_key_count).toBe(1);
  });

  it('refuses dangling references and deleting what is in use', async () => {
    const dangling = await call('POST', '/admin/v1/llm/model_groups', {
      name: 'broken',
      targets: [{ upstream: 'nowhere', model: 'x' }],
    });
    expect(dangling.status).toBe(409);
    expect((await call('DELETE', '/admin/v1/llm/upstreams/runtime')).status).toBe(409);
    expect((await call('DELETE', '/admin/v1/llm/model_groups/runtime-model')).status).toBe(204);
    expect((await call('DELETE', '/admin/v1/llm/upstreams/runtime')).status).toBe(204);
    expect((await call('GET', '/admin/v1/llm/upstreams/runtime')).status).toBe(404);
  });

  it('validates bodies and refuses virtual keys', async () => {
    const bad = await call('POST', '/admin/v1/llm/upstreams', { id: 'x', provider: 'bedrock', base_url: 'http://x' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('invalid_request');
    const extra = await call('POST', '/admin/v1/llm/model_groups', { name: 'x', targets: [], surprise: 1 });
    expect(extra.status).toBe(400);
    const mismatch = await call('PUT', '/admin/v1/llm/model_groups/a', {
      name: 'b',
      targets: [{ upstream: 'primary', model: 'm' }],
    });
    expect(mismatch.status).toBe(400);
    const key = await gw.createKey();
    expect((await call('GET', '/admin/v1/llm/upstreams', undefined, { authorization: `Bearer ${key}` })).status).toBe(
      401,
    );
  });
});
