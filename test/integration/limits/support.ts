/**
 * Shared pieces of the limits suites: a probe route family that stands in for an LLM upstream (it counts how often
 * it is reached and reports whatever usage the request asks it to), and helpers to issue keys with limits.
 */
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { request } from 'undici';
import { loadConfig } from '../../../src/config/index.ts';
import { estimateCall } from '../../../src/domain/limits/index.ts';
import { type CreateGatewayOptions, createGateway, type Gateway } from '../../../src/gateway.ts';
import type { Surface } from '../../../src/http/surfaces.ts';
import { ClientCall, OpenAIDialect } from '../../../src/llm/index.ts';
import { scopeSettingsRepository } from '../../../src/store/index.ts';
import { eventually, type GatewayEnvironment, uniqueName } from '../../helpers/gateway.ts';

export const PROBE_SURFACES: Surface[] = [
  {
    id: 'limits.probe.chat',
    method: 'POST',
    path: '/limits-probe/v1/chat',
    auth: ['key'],
    permissions: ['llm.chat'],
    auditMeta: [],
    classification: 'internal',
    description: 'Test probe: an LLM call that reports the usage the body asks for.',
  },
  {
    id: 'limits.probe.stream',
    method: 'POST',
    path: '/limits-probe/v1/stream',
    auth: ['key'],
    permissions: ['llm.chat'],
    auditMeta: [],
    classification: 'internal',
    description: 'Test probe: a stream of one chunk per 20 ms; usage counts the chunks actually written.',
  },
  {
    id: 'limits.probe.forbidden',
    method: 'GET',
    path: '/limits-probe/v1/forbidden',
    auth: ['key'],
    permissions: ['admin.usage.read'],
    auditMeta: [],
    classification: 'internal',
    description: 'Test probe: a key is authenticated, then denied (403) before admission; shows a key is known.',
  },
];

export interface ProbeCounter {
  calls: number;
}

interface ProbeBody {
  model?: string;
  fake_usage?: { prompt: number; completion: number };
  chunks?: number;
}

/**
 * The probe routes' boundary: the typed call a chat route would build (model as the body names it, the estimate
 * admission reserves), without a chat body's schema, so probes may carry their own fields.
 */
async function buildProbeCall(request: FastifyRequest): Promise<ClientCall> {
  const body = request.body as ProbeBody & Record<string, unknown>;
  return new ClientCall(OpenAIDialect, 'openai.chat', body.model ?? '', body, false, estimateCall(body, 'text'));
}

/** The probe family; `counter.calls` is how many requests reached the "upstream". */
export function createProbeFamily(counter: ProbeCounter) {
  return async function probeFamily(app: FastifyInstance): Promise<void> {
    const chatConfig = { surface: 'limits.probe.chat', buildCall: buildProbeCall };
    app.post('/limits-probe/v1/chat', { config: chatConfig }, async (req) => {
      counter.calls += 1;
      const body = req.body as ProbeBody;
      if (body.fake_usage) {
        const { prompt, completion } = body.fake_usage;
        req.gh.usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
      }
      req.gh.upstream = { id: 'probe', target: body.model ?? null, attempts: 1 };
      return { ok: true, usage: req.gh.usage };
    });

    app.get('/limits-probe/v1/forbidden', { config: { surface: 'limits.probe.forbidden' } }, async () => ({}));

    const streamConfig = { surface: 'limits.probe.stream', buildCall: buildProbeCall };
    app.post('/limits-probe/v1/stream', { config: streamConfig }, async (req, reply) => {
      counter.calls += 1;
      const total = (req.body as ProbeBody).chunks ?? 1000;
      const stream = new PassThrough();
      req.gh.upstream = { id: 'probe', target: null, attempts: 1 };
      req.gh.pending = new Promise<void>((resolve) => {
        let written = 0;
        const finish = () => {
          clearInterval(timer);
          req.gh.usage = { prompt_tokens: 10, completion_tokens: written, total_tokens: 10 + written };
          stream.end();
          resolve();
        };
        const timer = setInterval(() => {
          if (written >= total) return finish();
          written += 1;
          stream.write(`data: chunk ${written}\n\n`);
        }, 20);
        reply.raw.once('close', finish);
      });
      reply.header('content-type', 'text/event-stream');
      return reply.send(stream);
    });
  };
}

export interface LimitedKey {
  tenantId: string;
  teamId: string;
  keyId: string;
  key: string;
  headers: Record<string, string>;
}

/** A tenant, team and key; `settings` go on the key (e.g. `{ limits: { rpm: 5 } }`). */
export async function createLimitedKey(
  gateway: Gateway,
  settings: Record<string, unknown> = {},
  existing?: { tenantId: string; teamId: string },
): Promise<LimitedKey> {
  const tenantId = existing?.tenantId ?? (await gateway.identity.createTenant(uniqueName('tenant'))).id;
  const teamId = existing?.teamId ?? (await gateway.identity.createTeam(tenantId, uniqueName('team'))).id;
  const issued = await gateway.identity.createKey({
    tenant: tenantId,
    team: teamId,
    name: uniqueName('key'),
    settings,
  });
  await gateway.snapshot.refresh();
  return {
    tenantId,
    teamId,
    keyId: issued.record.id,
    key: issued.key,
    headers: { authorization: `Bearer ${issued.key}`, 'content-type': 'application/json' },
  };
}

/** Replaces a team's or tenant's limit settings and waits until this instance's snapshot has them. */
export async function setScopeSettings(
  gateway: Gateway,
  table: 'tenants' | 'teams',
  id: string,
  settings: Record<string, unknown>,
): Promise<void> {
  await scopeSettingsRepository.updateSettings(gateway.store.write, table, id, () => settings);
  await gateway.limits.settings.refresh();
}

export interface ProbeReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

export async function callProbe(baseUrl: string, key: LimitedKey, body: ProbeBody & Record<string, unknown>) {
  const response = await request(`${baseUrl}/limits-probe/v1/chat`, {
    method: 'POST',
    headers: key.headers,
    body: JSON.stringify({ model: 'probe-model', messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, body: JSON.parse(text) } as ProbeReply;
}

/** The error object of a catalog error reply. */
export function errorOf(reply: ProbeReply): { message: string; type: string; code: string; param: string | null } {
  return reply.body.error as { message: string; type: string; code: string; param: string | null };
}

export interface LimitsGateway {
  gateway: Gateway;
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * The gateway's own app (every readiness check, the usage routes) with the probe family added through
 * `createGateway`'s `families` option, listening on 127.0.0.1:0.
 */
export async function startLimitsGateway(
  environment: GatewayEnvironment,
  counter: ProbeCounter,
  options: Pick<CreateGatewayOptions, 'admission'> & { env?: Record<string, string> } = {},
): Promise<LimitsGateway> {
  const config = loadConfig({ env: { ...environment.env, ...options.env } });
  const gateway = await createGateway(config, {
    families: [createProbeFamily(counter)],
    surfaces: PROBE_SURFACES,
    ...(options.admission ? { admission: options.admission } : {}),
  });
  await gateway.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = gateway.app.server.address() as AddressInfo;
  return { gateway, baseUrl: `http://127.0.0.1:${port}`, close: () => gateway.close() };
}

/** Waits until `baseUrl` knows the key, without spending any of its limits (403 comes before admission). */
export async function awaitKeyKnown(baseUrl: string, key: LimitedKey): Promise<void> {
  await eventually(async () => {
    const response = await request(`${baseUrl}/limits-probe/v1/forbidden`, { headers: key.headers });
    await response.body.dump();
    return response.statusCode === 403;
  });
}
