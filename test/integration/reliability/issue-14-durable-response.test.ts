/**
 * Issue 14, finding 1: a response is not complete until its audit event is durable. On the writer that commits only
 * on demand, a request's response must not reach the client before its event is committed; once received, the
 * event is in the store (on both writers: the audit thread and the request thread).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGatewayEnvironment,
  eventually,
  type GatewayEnvironment,
  readAuditEvents,
  startGateway,
  type TestGateway,
} from '../../helpers/gateway.ts';

describe.each([true, false])(
  '[INV-2] issue 14 finding 1: durable before the response completes (thread: %s)',
  (thread) => {
    let environment: GatewayEnvironment;
    let gw: TestGateway;

    beforeAll(async () => {
      environment = await createGatewayEnvironment('sqlite');
      const configPath = join(environment.dataDir, 'gatehouse.yaml');
      // Commits only when the test asks, so "before" and "after" the commit are two states the test controls.
      writeFileSync(configPath, `audit:\n  batch_size: 1000\n  flush_interval_ms: 600000\n  thread: ${thread}\n`);
      environment.env.GATEHOUSE_CONFIG = configPath;
      gw = await startGateway({ environment });
    });
    afterAll(async () => {
      await gw?.close();
      await environment?.dispose();
    });

    it('holds the body until the event is committed, then the received request id is in the store', async () => {
      const identity = await gw.createIdentity();
      await gw.gateway.audit.flush();
      let received = false;
      const response = request(`${gw.baseUrl}/gatehouse/v1/whoami`, { headers: identity.headers }).then(
        async (reply) => {
          const body = await reply.body.text();
          received = true;
          return { id: String(reply.headers['x-gatehouse-request-id']), status: reply.statusCode, body };
        },
      );
      await eventually(() => gw.gateway.audit.depth === 1);
      // Ample time for a response already sent to arrive: before the fix it was sent before its event was queued.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(received).toBe(false);
      expect((await readAuditEvents(gw.gateway.store)).some((event) => event.surface === 'identity.whoami')).toBe(
        false,
      );
      await gw.gateway.audit.flush();
      const reply = await response;
      expect(reply.status).toBe(200);
      const stored = await readAuditEvents(gw.gateway.store);
      expect(stored.filter((event) => event.request_id === reply.id)).toHaveLength(1);
    });

    it('does not hold the operations endpoints, so /readyz and /metrics answer while commits are stuck', async () => {
      const identity = await gw.createIdentity();
      const held = request(`${gw.baseUrl}/gatehouse/v1/whoami`, { headers: identity.headers });
      await eventually(() => gw.gateway.audit.depth >= 1);
      const metrics = await request(`${gw.baseUrl}/metrics`);
      expect(metrics.statusCode).toBe(200);
      expect(await metrics.body.text()).toMatch(/^gatehouse_audit_queue_depth [1-9]\d*$/m);
      await gw.gateway.audit.flush();
      expect((await held).statusCode).toBe(200);
    });
  },
);
