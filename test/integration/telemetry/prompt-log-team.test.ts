/**
 * Issue 18 "A key (or team) may opt in to prompt logging": a team's opt-in (`PUT …/teams/{team}/prompt-log`,
 * `gatehouse team prompt-log`) logs the LLM calls of its keys that have no setting of their own; a key's own setting
 * wins (`ttl_s: 0` opts it out, `null` follows the team again); turning the team off stops it on the next call; a
 * change made elsewhere (the CLI, another instance) arrives with the snapshot poll. Bad input changes nothing.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scopeSettingsRepository } from '../../../src/store/index.ts';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import {
  createGatewayEnvironment,
  eventually,
  type GatewayEnvironment,
  runCliWithEnv,
  startGateway,
  type TestGateway,
  uniqueName,
  useOneUpstreamConfig,
} from '../../helpers/gateway.ts';

const MODEL = 'gpt-4o-mini';
const DEFAULT_CAP_S = 604_800;

interface IssuedKey {
  id: string;
  key: string;
}

describe('prompt logging opted in per team', () => {
  let environment: GatewayEnvironment;
  let upstream: FakeLlmUpstream;
  let gw: TestGateway;
  let admin: Record<string, string>;
  let tenantId: string;
  let teamId: string;
  /** No setting of its own: follows the team. */
  let inherits: IssuedKey;
  /** Its own `ttl_s: 0`: never logged, whatever the team says. */
  let optedOut: IssuedKey;
  /** Its own opt-in: logged whatever the team says. */
  let own: IssuedKey;

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    environment = await createGatewayEnvironment();
    useOneUpstreamConfig(environment, upstream.origin, MODEL);
    gw = await startGateway({ environment });
    const { token } = await gw.gateway.admin.bootstrapPlatformAdmin('team-prompts@example.com');
    admin = { authorization: `Bearer ${token}` };
    const tenant = await gw.gateway.identity.createTenant(uniqueName('tenant'));
    const team = await gw.gateway.identity.createTeam(tenant.id, uniqueName('team'));
    tenantId = tenant.id;
    teamId = team.id;
    const issue = async (settings: Record<string, unknown>): Promise<IssuedKey> => {
      const issued = await gw.gateway.identity.createKey({
        tenant: tenant.id,
        team: team.id,
        name: uniqueName('key'),
        settings,
      });
      return { id: issued.record.id, key: issued.key };
    };
    inherits = await issue({});
    optedOut = await issue({ prompt_log: { ttl_s: 0 } });
    own = await issue({ prompt_log: { ttl_s: 3600 } });
    await gw.gateway.snapshot.refresh();
    await gw.gateway.adminSnapshot.refresh();
  });
  afterAll(async () => {
    await gw?.dispose();
    await environment?.dispose();
    await upstream?.close();
  });

  async function chat(key: IssuedKey): Promise<string> {
    const response = await request(`${gw.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'log me, maybe' }] }),
    });
    const text = await response.body.text();
    expect(response.statusCode, text).toBe(200);
    return response.headers['x-gatehouse-request-id'] as string;
  }

  async function readLog(requestId: string) {
    const response = await request(`${gw.baseUrl}/admin/v1/prompt-logs/${requestId}`, { headers: admin });
    return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
  }

  async function logged(requestId: string): Promise<Record<string, unknown>> {
    return eventually(async () => {
      const read = await readLog(requestId);
      return read.status === 200 ? read.body : undefined;
    });
  }

  /** Entries are written after the response: once a later call of `own` is stored, these would have been too. */
  async function expectNotLogged(requestIds: string[]): Promise<void> {
    await logged(await chat(own));
    for (const id of requestIds) expect((await readLog(id)).status).toBe(404);
  }

  async function putTeam(body: unknown, path = `/admin/v1/tenants/${tenantId}/teams/${teamId}/prompt-log`) {
    const response = await request(`${gw.baseUrl}${path}`, {
      method: 'PUT',
      headers: { ...admin, 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return {
      status: response.statusCode,
      requestId: response.headers['x-gatehouse-request-id'] as string,
      body: (await response.body.json()) as Record<string, unknown>,
    };
  }

  async function patchKey(id: string, settings: unknown) {
    const response = await request(`${gw.baseUrl}/admin/v1/keys/${id}`, {
      method: 'PATCH',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ settings }),
    });
    return {
      status: response.statusCode,
      requestId: response.headers['x-gatehouse-request-id'] as string,
      body: (await response.body.json()) as Record<string, unknown>,
    };
  }

  it("logs the calls of a team's keys once the team opts in; a key's own 0 keeps it out", async () => {
    const before = [await chat(inherits)];
    const put = await putTeam({ ttl_s: 3600 });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ object: 'team', id: teamId, settings: { prompt_log: { ttl_s: 3600 } } });

    const entry = await logged(await chat(inherits));
    expect(entry).toMatchObject({ key_id: inherits.id, team_id: teamId, tenant_id: tenantId });
    expect(Date.parse(entry.expires_at as string) - Date.parse(entry.created_at as string)).toBe(3_600_000);
    await expectNotLogged([...before, await chat(optedOut)]);
  });

  it('a key whose own setting is removed (null) follows its team again', async () => {
    expect((await putTeam({ ttl_s: 600 })).status).toBe(200);
    const patched = await patchKey(optedOut.id, { prompt_log: null });
    expect(patched.status).toBe(200);
    expect((patched.body.settings as Record<string, unknown>).prompt_log).toBeUndefined();
    const entry = await logged(await chat(optedOut));
    expect(Date.parse(entry.expires_at as string) - Date.parse(entry.created_at as string)).toBe(600_000);
    expect((await patchKey(optedOut.id, { prompt_log: { ttl_s: 0 } })).status).toBe(200);
  });

  it("turning the team off stops logging its keys' calls at once; a key with its own opt-in keeps it", async () => {
    expect((await putTeam({ ttl_s: 3600 })).status).toBe(200);
    await logged(await chat(inherits));
    const off = await putTeam({ ttl_s: 0 });
    expect(off.status).toBe(200);
    expect((off.body.settings as Record<string, unknown>).prompt_log).toBeUndefined();
    // No waiting: the instance that took the write applies it to the very next call.
    await expectNotLogged([await chat(inherits), await chat(inherits)]);
  });

  it('refuses bad input in the admin envelope, with one audit event each and nothing written', async () => {
    expect((await putTeam({ ttl_s: 1200 })).status).toBe(200);
    const before = await gw.gateway.store.read
      .selectFrom('teams')
      .select(['settings', 'rev'])
      .where('id', '=', teamId)
      .executeTakeFirstOrThrow();
    const teamPath = `/admin/v1/tenants/${tenantId}/teams/${teamId}/prompt-log`;
    const cases: Array<[string, unknown, string, number, string, string | null]> = [
      [
        'unknown team',
        { ttl_s: 3600 },
        `/admin/v1/tenants/${tenantId}/teams/no-such-team/prompt-log`,
        404,
        'resource_not_found',
        null,
      ],
      [
        'unknown tenant',
        { ttl_s: 3600 },
        `/admin/v1/tenants/no-such-tenant/teams/${teamId}/prompt-log`,
        404,
        'resource_not_found',
        null,
      ],
      ['above the cap', { ttl_s: DEFAULT_CAP_S + 1 }, teamPath, 400, 'invalid_request', 'ttl_s'],
      ['below a minute', { ttl_s: 30 }, teamPath, 400, 'invalid_request', 'ttl_s'],
      ['a string', { ttl_s: '3600' }, teamPath, 400, 'invalid_request', 'ttl_s'],
      ['a fraction', { ttl_s: 3600.5 }, teamPath, 400, 'invalid_request', 'ttl_s'],
      ['negative', { ttl_s: -1 }, teamPath, 400, 'invalid_request', 'ttl_s'],
      ['missing', {}, teamPath, 400, 'invalid_request', 'ttl_s'],
      ['an unknown field', { ttl_s: 3600, keep: 'forever' }, teamPath, 400, 'invalid_request', 'keep'],
      ['not an object', '[3600]', teamPath, 400, 'invalid_request', null],
      ['not JSON', '{"ttl_s":', teamPath, 400, 'invalid_json', null],
    ];
    for (const [name, body, path, status, code, param] of cases) {
      const reply = await putTeam(body, path);
      expect([name, reply.status]).toEqual([name, status]);
      const error = reply.body.error as Record<string, unknown>;
      expect([name, Object.keys(reply.body)]).toEqual([name, ['error']]);
      expect(error).toMatchObject({ code, message: expect.any(String), type: expect.any(String) });
      if (param !== null) expect([name, error.param]).toEqual([name, param]);
      const events = (await gw.auditEvents()).filter((event) => event.request_id === reply.requestId);
      expect([name, events.length]).toEqual([name, 1]);
      expect(events[0]?.status).toBe(status);
    }
    const above = await putTeam({ ttl_s: DEFAULT_CAP_S + 1 });
    expect((above.body.error as { message: string }).message).toContain('telemetry.prompt_log.max_ttl_s');

    const keyAbove = await patchKey(inherits.id, { prompt_log: { ttl_s: DEFAULT_CAP_S + 1 } });
    expect(keyAbove.status).toBe(400);
    expect((keyAbove.body.error as { param: string }).param).toBe('settings.prompt_log.ttl_s');
    const keyShort = await patchKey(inherits.id, { prompt_log: { ttl_s: 59 } });
    expect(keyShort.status).toBe(400);

    const after = await gw.gateway.store.read
      .selectFrom('teams')
      .select(['settings', 'rev'])
      .where('id', '=', teamId)
      .executeTakeFirstOrThrow();
    expect(after).toEqual(before);
    const key = await gw.gateway.identity.findKey(inherits.id);
    expect(key.settings.prompt_log).toBeUndefined();
    expect((await putTeam({ ttl_s: 0 })).status).toBe(200);
  });

  it("sets and shows a team's and a key's opt-in from the CLI; the running gateway applies it on its next poll", async () => {
    const team = ['team', 'prompt-log'];
    const set = await runCliWithEnv(environment.env, [
      ...team,
      'set',
      teamId,
      '--tenant',
      tenantId,
      '--ttl',
      '2h',
      '--json',
    ]);
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout)).toEqual({
      id: teamId,
      prompt_log: { ttl_s: 7200 },
      effective: { source: 'team', ttl_s: 7200 },
    });
    // No refresh call: the write came from outside this instance, as from another one, and arrives by the poll.
    const entry = await eventually(
      async () => {
        const read = await readLog(await chat(inherits));
        return read.status === 200 ? read.body : undefined;
      },
      { timeoutMs: 5000, intervalMs: 100 },
    );
    expect(entry.key_id).toBe(inherits.id);

    const keyShow = await runCliWithEnv(environment.env, ['key', 'prompt-log', 'show', optedOut.id, '--json']);
    expect(JSON.parse(keyShow.stdout)).toEqual({
      key_id: optedOut.id,
      team_prompt_log: { ttl_s: 7200 },
      prompt_log: { ttl_s: 0 },
      effective: null,
    });
    const inherit = await runCliWithEnv(environment.env, ['key', 'prompt-log', 'inherit', optedOut.id, '--json']);
    expect(JSON.parse(inherit.stdout)).toMatchObject({ prompt_log: null, effective: { source: 'team', ttl_s: 7200 } });
    const keyOff = await runCliWithEnv(environment.env, ['key', 'prompt-log', 'off', optedOut.id]);
    expect(keyOff.stdout).toMatch(/^key .*: prompt logging off$/);
    const keySet = await runCliWithEnv(environment.env, ['key', 'prompt-log', 'set', optedOut.id, '--ttl', '1h']);
    expect(keySet.stdout).toMatch(/prompt logging on \(key setting\), entries kept 3600 seconds/);

    const settingsBefore = await scopeSettingsRepository.readSettings(gw.gateway.store.read, 'teams', teamId);
    for (const [args, mention] of [
      [[...team, 'set', teamId, '--tenant', tenantId, '--ttl', '30s'], '--ttl'],
      [[...team, 'set', teamId, '--tenant', tenantId, '--ttl', '8d'], 'max_ttl_s'],
      [[...team, 'set', teamId, '--tenant', tenantId, '--ttl', 'forever'], '--ttl'],
      [[...team, 'set', 'no-such-team', '--tenant', tenantId, '--ttl', '1h'], 'no-such-team'],
      [[...team, 'set', teamId, '--tenant', tenantId], '--ttl'],
    ] as const) {
      const refused = await runCliWithEnv(environment.env, [...args]);
      expect([args, refused.code === 0]).toEqual([args, false]);
      expect(refused.stderr).toContain(mention);
    }
    expect(await scopeSettingsRepository.readSettings(gw.gateway.store.read, 'teams', teamId)).toEqual(settingsBefore);

    const off = await runCliWithEnv(environment.env, [...team, 'off', teamId, '--tenant', tenantId]);
    expect(off.stdout).toMatch(/^team .*: prompt logging off$/);
    const show = await runCliWithEnv(environment.env, [...team, 'show', teamId, '--tenant', tenantId, '--json']);
    expect(JSON.parse(show.stdout)).toEqual({ id: teamId, prompt_log: null, effective: null });
  });
});
