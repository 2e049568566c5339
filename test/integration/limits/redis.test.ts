/**
 * Issue 4 across instances: two gateway processes share one real Redis (and one PostgreSQL store). Limits hold
 * exactly across them (RPM = 10 → exactly 10 admitted), a 1,000-token budget is never exceeded by concurrent
 * requests spread over both, and a Redis that goes away fails closed (503 + /readyz failure) and recovers by itself.
 */
import type { ChildProcess } from 'node:child_process';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';
import { openServices } from '../../../src/gateway.ts';
import { usageRepository } from '../../../src/store/index.ts';
import {
  createGatewayEnvironment,
  eventually,
  type GatewayEnvironment,
  spawnGatewayProcess,
  uniqueName,
} from '../../helpers/gateway.ts';
import { freePort, postgresAvailable, REDIS_URL, redisAvailable, startRedisServer } from '../../helpers/services.ts';
import { awaitKeyKnown, callProbe, errorOf, type LimitedKey, startLimitsGateway } from './support.ts';

const redisOk = await redisAvailable();
const postgresOk = await postgresAvailable();

interface Instance {
  child: ChildProcess;
  baseUrl: string;
}

async function spawnInstance(env: Record<string, string>): Promise<Instance> {
  const { child, baseUrl } = spawnGatewayProcess(env, [], {
    entry: 'test/integration/limits/probe-server.ts',
    listening: /LISTENING (http:\/\/127\.0\.0\.1:\d+)/,
  });
  return { child, baseUrl: await baseUrl };
}

async function stopInstance(instance: Instance | undefined): Promise<void> {
  if (!instance || instance.child.exitCode !== null) return;
  const exited = new Promise((resolve) => instance.child.once('exit', resolve));
  instance.child.kill('SIGTERM');
  await exited;
}

/** Issues a key with `settings` through the store both instances share, and waits until both accept it. */
async function issueKey(
  env: Record<string, string>,
  instances: Instance[],
  settings: Record<string, unknown>,
): Promise<LimitedKey> {
  const services = await openServices(loadConfig({ env }));
  try {
    const tenant = await services.identity.createTenant(uniqueName('tenant'));
    const team = await services.identity.createTeam(tenant.id, uniqueName('team'));
    const issued = await services.identity.createKey({ tenant: tenant.id, team: team.id, name: 'k', settings });
    const key: LimitedKey = {
      tenantId: tenant.id,
      teamId: team.id,
      keyId: issued.record.id,
      key: issued.key,
      headers: { authorization: `Bearer ${issued.key}`, 'content-type': 'application/json' },
    };
    for (const instance of instances) await awaitKeyKnown(instance.baseUrl, key);
    return key;
  } finally {
    await services.store.close();
  }
}

describe.skipIf(!redisOk || !postgresOk)('limits across two gateway processes sharing one Redis', () => {
  let environment: GatewayEnvironment;
  const instances: Instance[] = [];

  beforeAll(async () => {
    environment = await createGatewayEnvironment('postgres', { REDIS_URL });
    // One after the other: the first applies the migrations, the second finds them done.
    instances.push(await spawnInstance(environment.env));
    instances.push(await spawnInstance(environment.env));
  }, 60_000);
  afterAll(async () => {
    for (const instance of instances) await stopInstance(instance);
    await environment?.dispose();
  });

  it('admits exactly 10 of 30 requests with RPM = 10 split over both instances', async () => {
    const key = await issueKey(environment.env, instances, { limits: { rpm: 10 } });
    // One request through each instance first, so both have spent from the shared window before the burst: which
    // instance wins the burst's slots is down to scheduling, and the test must not depend on it.
    const warm = [await callProbe(instances[0]!.baseUrl, key, {}), await callProbe(instances[1]!.baseUrl, key, {})];
    expect(warm.map((reply) => reply.status)).toEqual([200, 200]);
    const burst = await Promise.all(
      Array.from({ length: 28 }, (_, i) => callProbe(instances[i % 2]!.baseUrl, key, {})),
    );
    const statuses = [...warm, ...burst].map((reply) => reply.status);
    // A per-instance limit would admit up to 20; a shared one admits exactly 10.
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(20);
  });

  it('never admits more than a 1,000-token budget, whatever the interleaving', async () => {
    const key = await issueKey(environment.env, instances, { budgets: { tokens_total: 1000 } });
    // Prompt estimate is 8 tokens; each request reserves 8 + max_tokens and reports exactly that as its usage.
    const sizes = Array.from({ length: 40 }, (_, i) => 40 + ((i * 37) % 90));
    const replies = await Promise.all(
      sizes.map((maxTokens, i) =>
        callProbe(instances[i % 2]!.baseUrl, key, {
          max_tokens: maxTokens,
          fake_usage: { prompt: 8, completion: maxTokens },
        }),
      ),
    );
    const admitted = sizes.filter((_, i) => replies[i]!.status === 200).reduce((sum, size) => sum + 8 + size, 0);
    expect(admitted).toBeLessThanOrEqual(1000);
    expect(admitted).toBeGreaterThan(1000 - 8 - 130);
    for (const reply of replies.filter((r) => r.status !== 200)) {
      expect(reply.status).toBe(429);
      expect(errorOf(reply)).toMatchObject({ type: 'insufficient_quota', code: 'budget_exceeded' });
    }
    // The durable ledger (both instances' writers) agrees once they have flushed.
    const services = await openServices(loadConfig({ env: environment.env }));
    try {
      const ledger = await eventually(async () => {
        const rows = await usageRepository.queryUsage(services.store.read, { keyId: key.keyId }, []);
        return rows[0]?.total_tokens === admitted ? rows[0] : undefined;
      });
      expect(ledger.total_tokens).toBeLessThanOrEqual(1000);
    } finally {
      await services.store.close();
    }
  });
});

describe.skipIf(!redisOk)('limits when Redis goes away', () => {
  it('answers 503 and fails /readyz while Redis is down, and recovers without a restart', {
    timeout: 30_000,
  }, async () => {
    const port = await freePort();
    let redis = startRedisServer(port);
    const environment = await createGatewayEnvironment('sqlite', { REDIS_URL: `redis://127.0.0.1:${port}/0` });
    const gw = await eventually(() => startLimitsGateway(environment, { calls: 0 }), { timeoutMs: 10_000 });
    try {
      const key = await (async () => {
        const tenant = await gw.gateway.identity.createTenant(uniqueName('tenant'));
        const team = await gw.gateway.identity.createTeam(tenant.id, uniqueName('team'));
        const issued = await gw.gateway.identity.createKey({
          tenant: tenant.id,
          team: team.id,
          name: 'k',
          settings: { limits: { rpm: 1000 }, budgets: { tokens_daily: 100_000 } },
        });
        await gw.gateway.snapshot.refresh();
        return {
          tenantId: tenant.id,
          teamId: team.id,
          keyId: issued.record.id,
          key: issued.key,
          headers: { authorization: `Bearer ${issued.key}`, 'content-type': 'application/json' },
        } satisfies LimitedKey;
      })();
      const readiness = async () => {
        const response = await request(`${gw.baseUrl}/readyz`);
        return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
      };
      await eventually(async () => (await callProbe(gw.baseUrl, key, {})).status === 200, { timeoutMs: 10_000 });
      expect((await readiness()).status).toBe(200);

      redis.kill('SIGKILL');
      const refused = await eventually(async () => {
        const reply = await callProbe(gw.baseUrl, key, {});
        return reply.status === 503 ? reply : undefined;
      });
      expect(errorOf(refused)).toMatchObject({ type: 'service_unavailable', code: 'state_unavailable' });
      const down = await readiness();
      expect(down.status).toBe(503);
      expect(down.body.checks).toMatchObject({ state: { ok: false } });

      redis = startRedisServer(port);
      await eventually(async () => (await callProbe(gw.baseUrl, key, {})).status === 200, { timeoutMs: 15_000 });
      expect((await readiness()).status).toBe(200);
    } finally {
      await gw.close();
      redis.kill('SIGKILL');
      await environment.dispose();
    }
  });
});
