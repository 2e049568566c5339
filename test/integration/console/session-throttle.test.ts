/**
 * The failed-authentication throttle (issue 14) covers the console too: forged session cookies on the admin API,
 * pasted-token sign-ins and dead cookies on the session route all count against the source's allowance, and past
 * it are answered 429 `auth_throttled` like a bearer-token flood. A real session from the same address keeps
 * working: the throttle counts failures only.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGatewayEnvironment,
  type GatewayEnvironment,
  startGateway,
  type TestGateway,
} from '../../helpers/gateway.ts';

const ALLOWANCE = 4;
const SESSION = '__Host-gatehouse-session';

describe('console sign-in and session cookies go through the failed-authentication throttle', () => {
  let environment: GatewayEnvironment;
  let gw: TestGateway;
  let adminToken: string;

  beforeAll(async () => {
    environment = await createGatewayEnvironment();
    const configPath = join(environment.dataDir, 'gatehouse.yaml');
    // A long window, so no boundary falls inside the test and the counts are exact.
    writeFileSync(configPath, `http:\n  auth_failure_throttle:\n    failures: ${ALLOWANCE}\n    interval_ms: 600000\n`);
    environment.env.GATEHOUSE_CONFIG = configPath;
    gw = await startGateway({ environment });
    ({ token: adminToken } = await gw.gateway.admin.bootstrapPlatformAdmin('ops@example.com'));
    await gw.gateway.adminSnapshot.refresh();
  });
  afterAll(async () => {
    await gw?.close();
    await environment?.dispose();
  });

  async function status(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: unknown) {
    const response = await request(`${gw.baseUrl}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.body.text();
    return { status: response.statusCode, code: (JSON.parse(text) as { error?: { code: string } }).error?.code };
  }

  it('counts forged cookies and wrong pasted tokens, then throttles; a valid session still passes', async () => {
    // Signed in before the flood: the throttle must not lock out a session that already works.
    const signIn = await request(`${gw.baseUrl}/console/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: adminToken }),
    });
    expect(signIn.statusCode).toBe(201);
    const cookie = [signIn.headers['set-cookie']].flat().find((line) => line?.startsWith(`${SESSION}=`));
    await signIn.body.dump();
    const valid = (cookie as string).split(';')[0] as string;

    const forged = { cookie: `${SESSION}=${'A'.repeat(43)}` };
    const answers = [
      await status('GET', '/admin/v1/tenants', forged),
      await status('POST', '/console/session', {}, { token: 'gha_wrong-token-0' }),
      await status('GET', '/console/session', forged),
      await status('POST', '/console/session', {}, { token: 'gha_wrong-token-1' }),
    ];
    expect(answers.map((a) => a.status)).toEqual(Array(ALLOWANCE).fill(401));

    expect(await status('GET', '/admin/v1/tenants', forged)).toEqual({ status: 429, code: 'auth_throttled' });
    expect(await status('POST', '/console/session', {}, { token: 'gha_wrong-token-2' })).toEqual({
      status: 429,
      code: 'auth_throttled',
    });
    expect(await status('GET', '/console/session', forged)).toEqual({ status: 429, code: 'auth_throttled' });

    expect((await status('GET', '/admin/v1/tenants', { cookie: valid })).status).toBe(200);
  });
});
