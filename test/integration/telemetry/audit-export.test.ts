/**
 * Issue 18 "Audit search and export": committed audit events stream to a webhook sink (a real HTTP server on
 * loopback). The sink refuses the first batches; every event still arrives, once, in chain order, and a restarted
 * gateway continues from the stored position instead of sending everything again.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { AuditEvent } from '../../../src/domain/audit/index.ts';
import {
  createGatewayEnvironment,
  eventually,
  type GatewayEnvironment,
  readAuditEvents,
  startGateway,
} from '../../helpers/gateway.ts';

interface Sink {
  url: string;
  events: AuditEvent[];
  batchIds: string[];
  authorizations: string[];
  /** Refuse this many more POSTs with a 503. */
  failNext: number;
  server: Server;
}

async function startSink(): Promise<Sink> {
  const sink = { events: [], batchIds: [], authorizations: [], failNext: 0 } as unknown as Sink;
  sink.server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
    });
    req.on('end', () => {
      sink.authorizations.push(String(req.headers.authorization));
      if (sink.failNext > 0) {
        sink.failNext--;
        res.writeHead(503).end();
        return;
      }
      sink.batchIds.push(String(req.headers['x-gatehouse-batch-id']));
      for (const line of text.split('\n')) if (line !== '') sink.events.push(JSON.parse(line) as AuditEvent);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => sink.server.listen(0, '127.0.0.1', resolve));
  sink.url = `http://127.0.0.1:${(sink.server.address() as AddressInfo).port}/ingest`;
  return sink;
}

describe('audit streaming export to a webhook', () => {
  let sink: Sink;
  let environment: GatewayEnvironment;
  const env: Record<string, string> = { GATEHOUSE_TEST_SIEM_TOKEN: 'siem-token-123' };

  beforeAll(async () => {
    sink = await startSink();
    environment = await createGatewayEnvironment('sqlite');
    const path = join(environment.dataDir, 'gatehouse.yaml');
    writeFileSync(
      path,
      stringify({
        audit: {
          export: {
            webhook: {
              url: sink.url,
              // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's literal env reference syntax
              headers: { authorization: 'Bearer ${GATEHOUSE_TEST_SIEM_TOKEN}' },
              batch_size: 7,
              interval_ms: 100,
            },
          },
        },
      }),
    );
    env.GATEHOUSE_CONFIG = path;
  });
  afterAll(async () => {
    await environment?.dispose();
    await new Promise((resolve) => sink?.server.close(resolve));
  });

  async function traffic(baseUrl: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const response = await request(`${baseUrl}${i % 2 === 0 ? '/healthz' : '/v1/models'}`);
      await response.body.dump();
    }
  }

  function assertExactlyOnce(stored: AuditEvent[]): void {
    const ids = sink.events.map((event) => event.id);
    expect(new Set(ids).size, 'no event delivered twice').toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(stored.map((event) => event.id)));
    // Within a chain, in seq order: a SIEM can check the hash links as events arrive.
    const byChain = new Map<string, number[]>();
    for (const event of sink.events) byChain.set(event.chain_id, [...(byChain.get(event.chain_id) ?? []), event.seq]);
    for (const seqs of byChain.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  }

  it('delivers every committed event once, in order, retrying a refusing sink; a restart resumes from the cursor', {
    timeout: 60_000,
  }, async () => {
    sink.failNext = 3;
    const first = await startGateway({ environment, env });
    await traffic(first.baseUrl, 20);
    await first.gateway.audit.flush();
    const storedFirst = await readAuditEvents(first.gateway.store);
    await eventually(() => sink.events.length >= storedFirst.length, { timeoutMs: 15_000, intervalMs: 50 });
    expect(sink.failNext).toBe(0);
    assertExactlyOnce(storedFirst);
    expect(sink.batchIds.every((id) => /^local-[0-9a-f-]+:\d+-\d+$/.test(id))).toBe(true);
    expect(new Set(sink.authorizations)).toEqual(new Set(['Bearer siem-token-123']));
    await first.close();

    const second = await startGateway({ environment, env });
    await traffic(second.baseUrl, 9);
    await second.gateway.audit.flush();
    const storedAll = await readAuditEvents(second.gateway.store);
    expect(storedAll.length).toBeGreaterThan(storedFirst.length);
    await eventually(() => sink.events.length >= storedAll.length, { timeoutMs: 15_000, intervalMs: 50 });
    // Give a wrongly restarted export the chance to resend the first chain before checking it did not.
    await new Promise((resolve) => setTimeout(resolve, 500));
    assertExactlyOnce(storedAll);
    const metrics = await (await request(`${second.baseUrl}/metrics`)).body.text();
    expect(metrics).toMatch(/gatehouse_audit_exported_events_total [1-9]/);
    await second.close();
  });
});
