import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGatewayEnvironment,
  eventually,
  type GatewayEnvironment,
  getWithToken,
  startGateway,
  type TestGateway,
} from '../../helpers/gateway.ts';

const WHOAMI = '/gatehouse/v1/whoami';

const get = (gw: TestGateway, path: string, token: string) => getWithToken(gw.baseUrl, path, token);

// Both writers: on the audit thread (the default) and on the request thread (`audit.thread: false`).
describe.each([true, false])(
  '[INV-2] audit back-pressure (audit.thread: %s): a full queue sheds new requests, and loses nothing it accepted',
  (thread) => {
    let environment: GatewayEnvironment;
    let gw: TestGateway;

    beforeAll(async () => {
      environment = await createGatewayEnvironment('sqlite');
      const configPath = join(environment.dataDir, 'gatehouse.yaml');
      // A queue of 3 that is only committed on demand: the test decides when the writer catches up.
      writeFileSync(
        configPath,
        `audit:\n  queue_limit: 3\n  batch_size: 1000\n  flush_interval_ms: 600000\n  thread: ${thread}\n`,
      );
      environment.env.GATEHOUSE_CONFIG = configPath;
      gw = await startGateway({ environment });
      expect(gw.gateway.audit.constructor.name).toBe(thread ? 'ThreadedAuditWriter' : 'AuditWriter');
    });
    afterAll(async () => {
      await gw?.close();
      await environment?.dispose();
    });

    it('answers 503 audit_backpressure while the queue is full, audits that refusal too, and recovers after a commit', async () => {
      const identity = await gw.createIdentity();
      await gw.gateway.audit.flush();
      // Each response waits for its event's commit, which only the test triggers: send them one by one, each once
      // the previous one's event is queued, then commit and collect every answer.
      const pending: Array<Promise<{ status: number; code: string | null }>> = [];
      for (let i = 0; i < 5; i++) {
        pending.push(get(gw, WHOAMI, identity.key));
        await eventually(() => gw.gateway.audit.depth === i + 1);
      }
      await gw.gateway.audit.flush();
      const statuses = await Promise.all(pending);
      expect(statuses.slice(0, 3).map((s) => s.status)).toEqual([200, 200, 200]);
      expect(statuses.slice(3)).toEqual([
        { status: 503, code: 'audit_backpressure' },
        { status: 503, code: 'audit_backpressure' },
      ]);
      const events = await gw.auditEvents();
      const refused = events.filter((event) => event.error_code === 'audit_backpressure');
      expect(refused).toHaveLength(2);
      expect(events.filter((event) => event.surface === 'identity.whoami')).toHaveLength(5);
      const after = get(gw, WHOAMI, identity.key);
      await eventually(() => gw.gateway.audit.depth === 1);
      await gw.gateway.audit.flush();
      expect((await after).status).toBe(200);
    });
  },
);

describe('[INV-5] error paths of the admin API', () => {
  let gw: TestGateway;
  let token: string;

  beforeAll(async () => {
    gw = await startGateway();
    token = (await gw.gateway.admin.bootstrapPlatformAdmin('errors@example.com')).token;
  });
  afterAll(() => gw?.dispose());

  it('answers an unknown tenant with 404 resource_not_found', async () => {
    expect(await get(gw, '/admin/v1/tenants/01a20000-0000-7000-8000-000000000000', token)).toEqual({
      status: 404,
      code: 'resource_not_found',
    });
  });

  it('answers a body that is not JSON with 415 unsupported_media_type, creating nothing', async () => {
    const before = (await gw.gateway.identity.listTenants()).length;
    const response = await request(`${gw.baseUrl}/admin/v1/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
      body: 'name=acme',
    });
    const body = (await response.body.json()) as { error: { code: string; type: string } };
    expect([response.statusCode, body.error.code, body.error.type]).toEqual([
      415,
      'unsupported_media_type',
      'invalid_request_error',
    ]);
    expect((await gw.gateway.identity.listTenants()).length).toBe(before);
  });
});
