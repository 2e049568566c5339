/**
 * Issue 14, "tamper evidence covers truncation": signed checkpoints of every chain's head, written to a file sink
 * outside the data directory and to a webhook. Plain `audit verify` accepts a chain whose tail was deleted with SQL
 * (head row moved back with it) and a chain rewritten and re-hashed; `audit verify --checkpoints` catches both, and
 * a checkpoint altered, removed from the sink or signed by another key.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditWriter, loadCheckpointSigningKey, parseCheckpointPublicKey } from '../../../src/audit/index.ts';
import { loadConfig } from '../../../src/config/index.ts';
import {
  type AuditCheckpoint,
  type AuditEvent,
  ChainSealer,
  CheckpointCollector,
  checkpointSignatureValid,
  signCheckpoint,
} from '../../../src/domain/audit/index.ts';
import { uuidv7 } from '../../../src/domain/ids.ts';
import { openStore, type Store } from '../../../src/store/index.ts';
import {
  createGatewayEnvironment,
  createTempDir,
  type GatewayEnvironment,
  runCliWithEnv,
  type StoreKind,
  startGateway,
  type TestGateway,
} from '../../helpers/gateway.ts';
import { postgresAvailable } from '../../helpers/services.ts';

interface Webhook {
  url: string;
  received: AuditCheckpoint[];
  authorization: string[];
  status: number;
  server: Server;
}

async function startWebhook(): Promise<Webhook> {
  const hook: Webhook = { url: '', received: [], authorization: [], status: 204, server: createServer() };
  hook.server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      hook.authorization.push(String(req.headers.authorization));
      if (hook.status < 300) hook.received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(hook.status).end();
    });
  });
  await new Promise<void>((resolve) => hook.server.listen(0, '127.0.0.1', resolve));
  hook.url = `http://127.0.0.1:${(hook.server.address() as AddressInfo).port}/checkpoints`;
  return hook;
}

interface Scenario {
  environment: GatewayEnvironment;
  gw: TestGateway;
  sinkDir: string;
}

/** A gateway with both sinks; checkpoints only when asked (and at close), so each test knows what was signed. */
async function startScenario(store: StoreKind, webhook: Webhook): Promise<Scenario> {
  const environment = await createGatewayEnvironment(store);
  const sinkDir = createTempDir('gatehouse-checkpoints-');
  const configPath = join(createTempDir('gatehouse-config-'), 'gatehouse.yaml');
  writeFileSync(
    configPath,
    [
      'audit:',
      '  checkpoints:',
      '    interval_s: 3600',
      '    sinks:',
      `      - { type: file, dir: "${sinkDir}" }`,
      `      - { type: webhook, url: "${webhook.url}", headers: { authorization: "Bearer \${HOOK_TOKEN}" } }`,
      '',
    ].join('\n'),
  );
  environment.env.GATEHOUSE_CONFIG = configPath;
  environment.env.HOOK_TOKEN = 'hook-secret';
  const gw = await startGateway({ environment });
  return { environment, gw, sinkDir };
}

function openScenarioStore(scenario: Scenario): Store {
  const { dataDir, env } = scenario.environment;
  return openStore({ dataDir, writeUrl: env.DATABASE_WRITE_URL ?? null });
}

async function whoami(gw: TestGateway, headers: Record<string, string>, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    const reply = await request(`${gw.baseUrl}/gatehouse/v1/whoami`, { headers });
    await reply.body.dump();
    expect(reply.statusCode).toBe(200);
  }
}

async function chainEvents(store: Store, chainId: string): Promise<AuditEvent[]> {
  const rows = await store.write
    .selectFrom('audit_events')
    .select('body')
    .where('chain_id', '=', chainId)
    .orderBy('seq')
    .execute();
  return rows.map((row) => JSON.parse(row.body) as AuditEvent);
}

/** What an attacker with SQL does to hide the newest events: delete them and move the head row back to match. */
async function deleteTail(store: Store, chainId: string, keep: number): Promise<void> {
  const kept = (await chainEvents(store, chainId))[keep - 1] as AuditEvent;
  await store.write.deleteFrom('audit_events').where('chain_id', '=', chainId).where('seq', '>', keep).execute();
  await store.write
    .updateTable('audit_chains')
    .set({ head_seq: keep, head_hash: kept.hash })
    .where('chain_id', '=', chainId)
    .execute();
}

/** Edits the event at `seq` and re-seals every event after it, so the chain is self-consistent again. */
async function rewriteChain(store: Store, chainId: string, seq: number): Promise<void> {
  const events = await chainEvents(store, chainId);
  const previous = events[seq - 2] as AuditEvent;
  const sealer = new ChainSealer(chainId, { seq: previous.seq, hash: previous.hash });
  for (const event of events.slice(seq - 1)) {
    const { chain_id: _c, seq: _s, prev_hash: _p, hash: _h, ...draft } = event;
    const sealed = sealer.seal(event.seq === seq ? { ...draft, path: '/forged' } : draft);
    await store.write
      .updateTable('audit_events')
      .set({ body: JSON.stringify(sealed), hash: sealed.hash })
      .where('chain_id', '=', chainId)
      .where('seq', '=', sealed.seq)
      .execute();
  }
  await store.write
    .updateTable('audit_chains')
    .set({ head_hash: sealer.head().hash })
    .where('chain_id', '=', chainId)
    .execute();
}

function sinkLines(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => readFileSync(join(dir, name), 'utf8').split('\n'))
    .filter((line) => line !== '');
}

const pgOk = await postgresAvailable();

describe('[INV-2] issue 14: signed checkpoints of every chain', () => {
  let webhook: Webhook;
  let scenario: Scenario;

  beforeAll(async () => {
    webhook = await startWebhook();
    scenario = await startScenario('sqlite', webhook);
  });
  afterAll(async () => {
    await scenario?.gw.close();
    await scenario?.environment.dispose();
    webhook?.server.close();
  });

  it('signs every chain head (a second writer included) to the file and the webhook; verify passes', async () => {
    const { gw, environment, sinkDir } = scenario;
    const identity = await gw.createIdentity();
    await whoami(gw, identity.headers, 4);
    // Another writer on the same store, as a second gateway process has: its chain is checkpointed too.
    const other = new AuditWriter({
      store: gw.gateway.store,
      regionId: 'local',
      queueLimit: 100,
      batchSize: 10,
      flushIntervalMs: 0,
      logger: { warn: () => {}, error: () => {} },
    });
    const [sample] = await gw.auditEvents();
    const { chain_id: _c, seq: _s, prev_hash: _p, hash: _h, ...draft } = sample as AuditEvent;
    await Promise.all([other.enqueue({ ...draft, id: uuidv7() }), other.enqueue({ ...draft, id: uuidv7() })]);
    await other.close();

    const checkpoint = await gw.gateway.checkpointer?.checkpoint();
    const heads = await gw.gateway.store.write.selectFrom('audit_chains').selectAll().execute();
    expect(heads.map((head) => head.chain_id).sort()).toEqual([gw.gateway.audit.chainId, other.chainId].sort());
    expect(checkpoint?.chains).toHaveLength(2);
    for (const head of heads) {
      expect(checkpoint?.chains).toContainEqual({
        chain_id: head.chain_id,
        seq: Number(head.head_seq),
        hash: head.head_hash,
      });
    }
    const lines = sinkLines(sinkDir);
    expect(lines.map((line) => JSON.parse(line))).toContainEqual(checkpoint);
    expect(webhook.received).toContainEqual(checkpoint);
    expect(new Set(webhook.authorization)).toEqual(new Set(['Bearer hook-secret']));

    const exported = await runCliWithEnv(environment.env, ['audit', 'checkpoint-key']);
    expect(exported.code).toBe(0);
    const publicKey = parseCheckpointPublicKey(exported.stdout);
    for (const line of lines) expect(checkpointSignatureValid(JSON.parse(line), publicKey)).toBe(true);
    const pemFile = join(createTempDir(), 'checkpoint-key.pem');
    writeFileSync(pemFile, exported.stdout);
    const verified = await runCliWithEnv(environment.env, [
      'audit',
      'verify',
      '--checkpoints',
      sinkDir,
      '--public-key',
      pemFile,
    ]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/2 chain\(s\) verified, 0 broken/);
    expect(verified.stdout).toMatch(/signed checkpoint\(s\) verified, newest .*, 0 bad/);
  });

  it('keeps checkpoints a failing webhook refused and delivers them in order once it answers', async () => {
    const { gw } = scenario;
    const identity = await gw.createIdentity();
    const checkpointer = gw.gateway.checkpointer as NonNullable<typeof gw.gateway.checkpointer>;
    const delivered = webhook.received.length;
    webhook.status = 503;
    await whoami(gw, identity.headers, 1);
    const refused = await checkpointer.checkpoint();
    expect(checkpointer.status().find((sink) => sink.name.startsWith('webhook:'))?.pending).toBe(1);
    const metrics = await (await request(`${gw.baseUrl}/metrics`)).body.text();
    expect(metrics).toMatch(/^gatehouse_audit_checkpoint_pending\{sink="webhook:http:\/\/127\.0\.0\.1:\d+"\} 1$/m);
    webhook.status = 204;
    await whoami(gw, identity.headers, 1);
    const next = await checkpointer.checkpoint();
    expect(webhook.received.slice(delivered)).toEqual([refused, next]);
    expect(checkpointer.status().every((sink) => sink.pending === 0)).toBe(true);
    const publicKey = (await loadCheckpointSigningKey(gw.gateway.secrets)).publicKey;
    const collector = new CheckpointCollector(publicKey);
    for (const [index, value] of webhook.received.entries()) collector.add({ value, where: `webhook:${index}` });
    expect(collector.finish().problems).toEqual([]);
  });

  it('reports a checkpoint altered, removed from the sink, or signed by another key', async () => {
    const { gw, environment, sinkDir } = scenario;
    const identity = await gw.createIdentity();
    await whoami(gw, identity.headers, 1);
    await gw.gateway.checkpointer?.checkpoint();
    await whoami(gw, identity.headers, 1);
    await gw.gateway.checkpointer?.checkpoint();
    const lines = sinkLines(sinkDir);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const verify = (dir: string) => runCliWithEnv(environment.env, ['audit', 'verify', '--checkpoints', dir]);

    const altered = createTempDir();
    const forged = JSON.parse(lines[0] as string) as AuditCheckpoint;
    forged.chains[0] = { ...(forged.chains[0] as AuditCheckpoint['chains'][0]), seq: 1 };
    writeFileSync(join(altered, 'a.jsonl'), [JSON.stringify(forged), ...lines.slice(1)].join('\n'));
    const alteredResult = await verify(altered);
    expect(alteredResult.code).toBe(1);
    expect(alteredResult.stdout).toMatch(/BAD {5}checkpoint .*a\.jsonl:1: bad_signature/);

    const gap = createTempDir();
    writeFileSync(join(gap, 'a.jsonl'), [lines[0], ...lines.slice(2)].join('\n'));
    const gapResult = await verify(gap);
    expect(gapResult.code).toBe(1);
    expect(gapResult.stdout).toMatch(/a\.jsonl:2: missing_link/);

    const foreign = createTempDir();
    const otherKey = generateKeyPairSync('ed25519').privateKey;
    const { sig: _s, type: _t, version: _v, key_id: _k, ...body } = JSON.parse(lines[0] as string) as AuditCheckpoint;
    writeFileSync(join(foreign, 'a.jsonl'), JSON.stringify(signCheckpoint(body, otherKey)));
    const foreignResult = await verify(foreign);
    expect(foreignResult.code).toBe(1);
    expect(foreignResult.stdout).toMatch(/a\.jsonl:1: unknown_key/);

    const garbage = createTempDir();
    writeFileSync(join(garbage, 'a.jsonl'), `not json\n${lines[0]}\n`);
    expect((await verify(garbage)).stdout).toMatch(/a\.jsonl:1: malformed/);
  });

  it('refuses bad checkpoint options and config: no such path, a key that is not PEM, a sink in the data dir', async () => {
    const { environment } = scenario;
    const missing = await runCliWithEnv(environment.env, ['audit', 'verify', '--checkpoints', '/nonexistent/dir']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--checkpoints \/nonexistent\/dir: ENOENT/);
    const notPem = join(createTempDir(), 'key.pem');
    writeFileSync(notPem, 'not a key');
    const badKey = await runCliWithEnv(environment.env, [
      'audit',
      'verify',
      '--checkpoints',
      scenario.sinkDir,
      '--public-key',
      notPem,
    ]);
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toMatch(/--public-key .*not a PEM public key/);
    const configPath = join(createTempDir(), 'inside.yaml');
    writeFileSync(
      configPath,
      `audit:\n  checkpoints:\n    sinks: [{ type: file, dir: "${environment.dataDir}/cp" }]\n`,
    );
    expect(() => loadConfig({ env: { ...environment.env, GATEHOUSE_CONFIG: configPath } })).toThrow(
      /audit\.checkpoints\.sinks\.0\.dir: must be outside the data directory/,
    );
    writeFileSync(
      configPath,
      `audit:\n  checkpoints:\n    sinks: [{ type: webhook, url: "http://127.0.0.1:1/", headers: { x-t: "$\{UNSET_TOKEN_VAR}" } }]\n`,
    );
    expect(() => loadConfig({ env: { ...environment.env, GATEHOUSE_CONFIG: configPath } })).toThrow(
      /audit\.checkpoints\.sinks\.0\.headers\.x-t: references \$\{UNSET_TOKEN_VAR\}, which is not set/,
    );
  });
});

describe.each<StoreKind>(['sqlite', 'postgres'])(
  '[INV-2] issue 14: tampering that only checkpoints catch (%s)',
  (kind) => {
    const skip = kind === 'postgres' && !pgOk;
    let webhook: Webhook;

    beforeAll(async () => {
      webhook = await startWebhook();
    });
    afterAll(() => {
      webhook?.server.close();
    });

    /**
     * Serves 3 requests, checkpoints, serves 3 more and closes (the final checkpoint): one chain of 6+ events. Then
     * `tamper` edits the store with SQL, and both verifications run.
     */
    async function tamperThenVerify(tamper: (store: Store, chainId: string, length: number) => Promise<void>) {
      const scenario = await startScenario(kind, webhook);
      try {
        const identity = await scenario.gw.createIdentity();
        await whoami(scenario.gw, identity.headers, 3);
        await scenario.gw.gateway.checkpointer?.checkpoint();
        await whoami(scenario.gw, identity.headers, 3);
        const chainId = scenario.gw.gateway.audit.chainId;
        await scenario.gw.close();
        const store = openScenarioStore(scenario);
        const length = (await chainEvents(store, chainId)).length;
        await tamper(store, chainId, length);
        await store.close();
        const { env } = scenario.environment;
        const plain = await runCliWithEnv(env, ['audit', 'verify']);
        const checked = await runCliWithEnv(env, ['audit', 'verify', '--checkpoints', scenario.sinkDir]);
        return { chainId, length, plain, checked };
      } finally {
        await scenario.environment.dispose();
      }
    }

    it.skipIf(skip)('a tail deleted with SQL: plain verify passes, --checkpoints names the truncation', async () => {
      const { chainId, length, plain, checked } = await tamperThenVerify((store, chain) => deleteTail(store, chain, 2));
      expect(plain.code).toBe(0);
      expect(checked.code).toBe(1);
      expect(checked.stdout).toContain(
        `BROKEN  chain ${chainId}: first broken event seq 3 (id missing): truncated: chain ends at seq 2, a signed checkpoint records seq ${length}`,
      );
    });

    it.skipIf(skip)(
      'a chain rewritten and re-hashed: plain verify passes, --checkpoints names the rewrite',
      async () => {
        const { chainId, length, plain, checked } = await tamperThenVerify((store, chain) =>
          rewriteChain(store, chain, 2),
        );
        expect(plain.code).toBe(0);
        expect(checked.code).toBe(1);
        expect(checked.stdout).toMatch(
          new RegExp(`BROKEN  chain ${chainId}: first broken event seq \\d+ \\(id [0-9a-f-]+\\): checkpoint_mismatch`),
        );
        // The first checkpoint already covered seq 2: the rewrite is caught there, before the final head.
        const seq = Number(/first broken event seq (\d+)/.exec(checked.stdout)?.[1]);
        expect(seq).toBeGreaterThanOrEqual(2);
        expect(seq).toBeLessThan(length);
      },
    );

    it.skipIf(skip)('a chain deleted entirely (events and head row) is reported as truncated', async () => {
      const { chainId, plain, checked } = await tamperThenVerify(async (store, chain) => {
        await store.write.deleteFrom('audit_events').where('chain_id', '=', chain).execute();
        await store.write.deleteFrom('audit_chains').where('chain_id', '=', chain).execute();
      });
      expect(plain.code).toBe(0);
      expect(checked.code).toBe(1);
      expect(checked.stdout).toContain(`BROKEN  chain ${chainId}: first broken event seq 1 (id missing): truncated`);
    });
  },
);
