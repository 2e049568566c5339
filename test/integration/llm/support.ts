/**
 * @module Boots the real gateway on 127.0.0.1:0 with an LLM config (YAML file) pointing at fake upstreams, and
 * issues keys (optionally with `allowed_models`). Shared by the LLM integration suites and the e2e client suites.
 */
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../../src/config/index.ts';
import type { AuditEvent } from '../../../src/domain/audit/index.ts';
import { type CreateGatewayOptions, createGateway, type Gateway } from '../../../src/gateway.ts';
import {
  createGatewayEnvironment,
  type GatewayEnvironment,
  readAuditEvents,
  uniqueName,
} from '../../helpers/gateway.ts';

export interface LlmTestGateway {
  gateway: Gateway;
  baseUrl: string;
  environment: GatewayEnvironment;
  /** A key of a fresh tenant/team; `models` becomes `settings.allowed_models`, `limits` is merged into settings. */
  createKey(models?: string[], limits?: Record<string, unknown>): Promise<string>;
  auditEvents(): Promise<AuditEvent[]>;
  /** Events of one request, by the `x-gatehouse-request-id` the gateway returned. */
  auditEventFor(requestId: string): Promise<AuditEvent | undefined>;
  dispose(): Promise<void>;
}

export interface StartLlmGatewayOptions {
  /** The YAML file's LLM sections (`upstreams`, `models`, `reasoning_models`); omitted = no-config default. */
  file?: Record<string, unknown>;
  llm?: CreateGatewayOptions['llm'];
  /** More environment for the gateway (`REDIS_URL`, say). */
  env?: Record<string, string>;
  /** The gateway's logger (tests that read log lines pass one writing to memory). */
  logger?: CreateGatewayOptions['logger'];
}

/** Fast retries for tests: the backoff schedule is the router's concern, tested there. */
export const FAST_POLICY = { backoff_base_ms: 1, backoff_max_ms: 2 };

export async function startLlmGateway(options: StartLlmGatewayOptions = {}): Promise<LlmTestGateway> {
  const environment = await createGatewayEnvironment('sqlite');
  const env: Record<string, string> = { ...environment.env, ...options.env };
  if (options.file !== undefined) {
    const path = join(environment.dataDir, 'gatehouse.yaml');
    writeFileSync(path, stringify(options.file));
    env.GATEHOUSE_CONFIG = path;
  }
  const config = loadConfig({ env });
  const gateway = await createGateway(config, {
    llm: { router: { policy: FAST_POLICY }, ...options.llm },
    logger: options.logger,
  });
  await gateway.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = gateway.app.server.address() as AddressInfo;
  const auditEvents = async () => {
    await gateway.audit.flush();
    return readAuditEvents(gateway.store);
  };
  return {
    gateway,
    baseUrl: `http://127.0.0.1:${port}`,
    environment,
    async createKey(models, limits) {
      const tenant = await gateway.identity.createTenant(uniqueName('tenant'));
      const team = await gateway.identity.createTeam(tenant.id, uniqueName('team'));
      const issued = await gateway.identity.createKey({
        tenant: tenant.id,
        team: team.id,
        name: uniqueName('key'),
        expiresInMs: null,
        settings: { ...(models === undefined ? {} : { allowed_models: models }), ...limits },
      });
      await gateway.snapshot.refresh();
      return issued.key;
    },
    auditEvents,
    async auditEventFor(requestId) {
      return (await auditEvents()).find((event) => event.request_id === requestId);
    },
    async dispose() {
      await gateway.close();
      await environment.dispose();
    },
  };
}

/** The minimal config of issue 3, over one or two fake upstreams. */
export function twoUpstreamConfig(primary: string, secondary: string): Record<string, unknown> {
  return {
    upstreams: [
      { id: 'primary', provider: 'openai', base_url: `${primary}/v1` },
      { id: 'secondary', provider: 'openai', base_url: `${secondary}/v1` },
      { id: 'native', provider: 'ollama', base_url: primary },
    ],
    models: [
      { name: 'gpt-4o-mini', targets: [{ upstream: 'primary', model: 'gpt-4o-mini' }], fallbacks: ['backup'] },
      { name: 'backup', targets: [{ upstream: 'secondary', model: 'gpt-4o-mini' }] },
      { name: 'llama3', targets: [{ upstream: 'native', model: 'llama3.1:8b' }], timeout: '5s' },
      { name: 'embed', targets: [{ upstream: 'primary', model: 'text-embedding-3-small' }] },
      { name: 'short', targets: [{ upstream: 'secondary', model: 'gpt-4o-mini' }], timeout: '300ms', retries: 0 },
    ],
  };
}
