import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGatewayEnvironment,
  eventually,
  type GatewayEnvironment,
  type GatewayProcess,
  runCliWithEnv,
  spawnGatewayProcess,
  useOneUpstreamConfig,
  verifiedChains,
} from '../../helpers/gateway.ts';
import { freePort } from '../../helpers/services.ts';

interface HeldUpstream {
  origin: string;
  received: number;
  release(): void;
  /** Holds replies again until the next `release()`. */
  hold(): void;
  close(): Promise<void>;
}

/** An OpenAI-compatible upstream that answers no chat completion until `release()`, then all of them at once. */
async function createHeldUpstream(): Promise<HeldUpstream> {
  const waiting: ServerResponse[] = [];
  let released = false;
  const answer = (response: ServerResponse) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        id: 'chatcmpl-held',
        object: 'chat.completion',
        created: 1,
        model: 'held-model',
        choices: [{ index: 0, message: { role: 'assistant', content: 'released' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
      }),
    );
  };
  const state = { received: 0 };
  const server: Server = createServer((incoming: IncomingMessage, response: ServerResponse) => {
    incoming.resume();
    incoming.on('end', () => {
      // Health probes (model lists) are answered at once and not counted.
      if (!incoming.url?.endsWith('/chat/completions')) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ object: 'list', data: [{ id: 'held-model', object: 'model' }] }));
        return;
      }
      state.received++;
      if (released) answer(response);
      else waiting.push(response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    get received() {
      return state.received;
    },
    release() {
      released = true;
      for (const response of waiting.splice(0)) answer(response);
    },
    hold() {
      released = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One chat completion on a connection of its own, so the primary hands each to the next worker in turn. */
async function chat(baseUrl: string, key: string): Promise<{ status: number; body: string }> {
  const agent = new Agent({ connections: 1 });
  try {
    const reply = await request(`${baseUrl}/v1/chat/completions`, {
      method: 'POST',
      dispatcher: agent,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'held-model', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
    });
    return { status: reply.statusCode, body: await reply.body.text() };
  } finally {
    await agent.close();
  }
}

/** The pids of the workers that logged "Server listening", in order. */
function listeningPids(server: GatewayProcess): number[] {
  return server
    .stdout()
    .split('\n')
    .filter((line) => line.includes('Server listening at'))
    .map((line) => (JSON.parse(line) as { pid: number }).pid);
}

let environment: GatewayEnvironment;
let upstream: HeldUpstream;

async function createKey(name: string, ...limits: string[]): Promise<string> {
  return (await createKeyRecord(name, ...limits)).key;
}

async function createKeyRecord(name: string, ...limits: string[]): Promise<{ key: string; id: string }> {
  const created = await runCliWithEnv(environment.env, [
    'key',
    'create',
    '--tenant',
    'workers',
    '--team',
    'ops',
    '--name',
    name,
    ...limits,
    '--json',
  ]);
  expect(created.code, created.stderr).toBe(0);
  return JSON.parse(created.stdout) as { key: string; id: string };
}

async function startWorkers(): Promise<{ server: GatewayProcess; baseUrl: string }> {
  const server = spawnGatewayProcess(environment.env, ['--workers', '2']);
  const baseUrl = await server.baseUrl;
  await eventually(async () => listeningPids(server).length === 2, { timeoutMs: 90_000 });
  return { server, baseUrl };
}

beforeAll(async () => {
  upstream = await createHeldUpstream();
  environment = await createGatewayEnvironment('sqlite', { LOG_LEVEL: 'info' });
  useOneUpstreamConfig(environment, upstream.origin, 'held-model');
  // A fixed port: when every worker has died the primary closes the shared socket, and port 0 would then pick a
  // new one for the replacements.
  environment.env.PORT = String(await freePort());
  for (const argv of [
    ['tenant', 'create', '--name', 'workers'],
    ['team', 'create', '--tenant', 'workers', '--name', 'ops'],
  ]) {
    const created = await runCliWithEnv(environment.env, argv);
    expect(created.code, created.stderr).toBe(0);
  }
}, 60_000);

afterAll(async () => {
  await upstream?.close();
  await environment?.dispose();
});

describe('gatehouse serve --workers 2', () => {
  it('keeps a limit exact across workers, replaces a killed worker and frees what it held, drains both on SIGTERM, and every chain verifies', async () => {
    const parallel3 = await createKey('parallel-3', '--max-parallel', '3');
    const parallel1 = await createKey('parallel-1', '--max-parallel', '1');
    const { server, baseUrl } = await startWorkers();
    try {
      // Ten at once with room for three: while three are held upstream, the other seven are refused, whichever
      // worker took each.
      const answered: string[] = [];
      const replies = Array.from({ length: 10 }, () =>
        chat(baseUrl, parallel3).then((reply) => {
          answered.push(`${reply.status} ${reply.body.slice(0, 200)}`);
          return reply;
        }),
      );
      await eventually(
        async () => {
          expect({ received: upstream.received, answered }).toMatchObject({ received: 3, answered: { length: 7 } });
          return true;
        },
        { timeoutMs: 60_000 },
      );
      upstream.release();
      const statuses = (await Promise.all(replies)).map((reply) => reply.status).sort();
      expect(statuses).toEqual([200, 200, 200, 429, 429, 429, 429, 429, 429, 429]);
      expect(upstream.received).toBe(3);

      // A worker killed while it holds the one slot: it is replaced, and the slot is free at once (not after
      // the lease's five minutes).
      upstream.hold();
      const before = listeningPids(server);
      const receivedBeforeKill = upstream.received;
      const unreleased = chat(baseUrl, parallel1).catch(() => ({ status: 0, body: '' }));
      await eventually(async () => upstream.received === receivedBeforeKill + 1, { timeoutMs: 30_000 });
      for (const pid of before) process.kill(pid, 'SIGKILL');
      expect((await unreleased).status).toBe(0);
      await eventually(async () => listeningPids(server).length === 4, { timeoutMs: 90_000 });
      const replaced = listeningPids(server).slice(2);
      expect(replaced.some((pid) => before.includes(pid))).toBe(false);
      upstream.release();
      const again = await chat(baseUrl, parallel1);
      expect(again.status, again.body).toBe(200);

      // SIGTERM with requests in flight on both workers: every one is answered, then everything exits 0.
      upstream.hold();
      const unlimited = await createKey('unlimited');
      const inFlight = Array.from({ length: 4 }, () => chat(baseUrl, unlimited));
      const receivedBefore = upstream.received;
      await eventually(async () => upstream.received === receivedBefore + 4, { timeoutMs: 30_000 });
      // As Ctrl-C or `timeout` do, the whole process group: each worker is signalled directly and by the primary.
      for (const pid of listeningPids(server).slice(2)) process.kill(pid, 'SIGTERM');
      server.child.kill('SIGTERM');
      await eventually(async () => server.stdout().split('draining requests and audit queue').length - 1 === 2, {
        timeoutMs: 30_000,
      });
      upstream.release();
      expect((await Promise.all(inFlight)).map((reply) => reply.status)).toEqual([200, 200, 200, 200]);
      expect(await server.exit).toEqual({ code: 0, signal: null });
    } finally {
      server.child.kill('SIGKILL');
    }

    // One chain per worker that ever ran (two killed, two drained), each verified.
    const verified = await runCliWithEnv(environment.env, ['audit', 'verify', '--json']);
    expect(verified.code, verified.stderr).toBe(0);
    const chains = verifiedChains(verified.stdout);
    expect(chains.every((chain) => chain.ok)).toBe(true);
    expect(chains.filter((chain) => chain.count > 0).length).toBeGreaterThanOrEqual(3);
  }, 300_000);

  it('keeps a request rate and a token budget exact across workers', async () => {
    // What a key's refused request reserves (prompt estimate + max_tokens) is named in its 429, so the budget
    // below is set from the gateway's own estimate instead of a copy of the estimator.
    const probe = await createKey('budget-probe', '--budget-tokens-total', '1');
    const perMinute4 = await createKey('rpm-4', '--rpm', '4');
    const { server, baseUrl } = await startWorkers();
    try {
      const probed = await chat(baseUrl, probe);
      expect(probed.status, probed.body).toBe(429);
      const reservation = Number(/reserves (\d+) tokens/.exec(probed.body)?.[1]);
      expect(reservation).toBeGreaterThan(0);

      // Ten at once on a key allowed four a minute, each on its own connection so the primary hands them to both
      // workers: one counter, so four pass, however they were spread.
      upstream.release();
      const rated = await Promise.all(Array.from({ length: 10 }, () => chat(baseUrl, perMinute4)));
      expect(rated.map((reply) => reply.status).sort()).toEqual([200, 200, 200, 200, 429, 429, 429, 429, 429, 429]);

      // Room for three reservations: while three are held upstream, the other seven are refused; two counters
      // would each have let three through.
      const budget3Record = await createKeyRecord('budget-3', '--budget-tokens-total', String(3 * reservation + 1));
      const budget3 = budget3Record.key;
      upstream.hold();
      const receivedBefore = upstream.received;
      const answered: number[] = [];
      const replies = Array.from({ length: 10 }, () =>
        chat(baseUrl, budget3).then((reply) => {
          answered.push(reply.status);
          return reply;
        }),
      );
      await eventually(
        async () => {
          expect({ received: upstream.received - receivedBefore, answered }).toMatchObject({
            received: 3,
            answered: { length: 7 },
          });
          return true;
        },
        { timeoutMs: 60_000 },
      );
      upstream.release();
      const budgeted = await Promise.all(replies);
      expect(budgeted.map((reply) => reply.status).sort()).toEqual([200, 200, 200, 429, 429, 429, 429, 429, 429, 429]);
      const refused = budgeted.find((reply) => reply.status === 429);
      expect(refused?.body).toContain(`reserves ${reservation} tokens`);

      // Both workers served this key: each writes its own chain.
      const exported = await runCliWithEnv(environment.env, ['audit', 'export', '--principal', budget3Record.id]);
      expect(exported.code, exported.stderr).toBe(0);
      const chains = new Set(
        exported.stdout
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => (JSON.parse(line) as { chain_id: string }).chain_id),
      );
      expect(chains.size).toBeGreaterThanOrEqual(2);
    } finally {
      server.child.kill('SIGTERM');
      await server.exit;
    }
  }, 300_000);

  it('refuses a bad --workers naming the flag, and a production start without a master key with 78', async () => {
    for (const value of ['0', '-2', 'many']) {
      const server = spawnGatewayProcess(environment.env, ['--workers', value]);
      expect(await server.exit).toEqual({ code: 2, signal: null });
      expect(server.stderr()).toContain(`--workers must be a whole number from 1 to 64, or auto; got '${value}'`);
    }
    const cli = await runCliWithEnv(environment.env, ['serve', '--workers', '0']);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('--workers');

    const { GATEHOUSE_MASTER_KEY: _key, ...withoutKey } = environment.env;
    const server = spawnGatewayProcess({ ...withoutKey, NODE_ENV: 'production' }, ['--workers', '2']);
    expect(await server.exit).toEqual({ code: 78, signal: null });
    expect(server.stderr()).toContain('GATEHOUSE_MASTER_KEY');
    expect(server.stdout()).not.toContain('starting workers');
  }, 120_000);
});
