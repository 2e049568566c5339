/**
 * Measures a tools/call round trip through the gateway against calling server-everything directly, both with
 * the SDK's real client over streamable HTTP. Not a test (no timing assertions): `npx tsx test/integration/mcp/measure-overhead.ts`.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { request } from 'undici';
import { connectClient, startEverythingHttp, startMcpGateway } from './support.ts';

const ROUNDS = 500;

async function time(label: string, call: () => Promise<unknown>) {
  for (let i = 0; i < 50; i++) await call();
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = process.hrtime.bigint();
    await call();
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  samples.sort((a, b) => a - b);
  const p = (q: number) => samples[Math.floor(q * (samples.length - 1))]?.toFixed(2);
  console.log(`${label.padEnd(34)} p50 ${p(0.5)} ms  p99 ${p(0.99)} ms`);
}

const remote = await startEverythingHttp();
const ctx = await startMcpGateway({ servers: [{ id: 'remote', transport: 'streamable_http', url: remote.url }] });
try {
  const identity = await ctx.gateway.createIdentity();
  await ctx.gateway.gateway.mcp.policies.put(
    identity.team.id,
    { rules: [{ server: 'remote', tools: ['get-sum'] }] },
    null,
  );
  const direct = new Client({ name: 'bench', version: '1' });
  await direct.connect(new StreamableHTTPClientTransport(new URL(remote.url)));
  const viaGateway = await connectClient(ctx.gateway.baseUrl, identity.key);
  await time('direct (SDK client → server)', () => direct.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } }));
  await time('gateway /mcp (SDK client)', () =>
    viaGateway.callTool({ name: 'remote__get-sum', arguments: { a: 1, b: 2 } }),
  );
  await time('gateway REST :call (undici)', async () => {
    const response = await request(`${ctx.gateway.baseUrl}/mcp/v1/servers/remote/tools/get-sum:call`, {
      method: 'POST',
      headers: { ...identity.headers, 'content-type': 'application/json' },
      body: '{"arguments":{"a":1,"b":2}}',
    });
    await response.body.dump();
  });
  const rpc = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: 'remote__get-sum', arguments: { a: 1, b: 2 } },
  });
  await time('gateway /mcp (raw undici POST)', async () => {
    const response = await request(`${ctx.gateway.baseUrl}/mcp`, {
      method: 'POST',
      headers: {
        ...identity.headers,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: rpc,
    });
    await response.body.dump();
  });
  await direct.close();
  await viaGateway.close();
} finally {
  await ctx.dispose();
  await remote.stop();
}
