import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pino } from 'pino';
import { request } from 'undici';
import { stringify } from 'yaml';
import { loadConfig } from '../../../src/config/index.ts';
import type { AuditEvent } from '../../../src/domain/audit/index.ts';
import { createGateway, type Gateway } from '../../../src/gateway.ts';
import {
  createGatewayEnvironment,
  type GatewayEnvironment,
  readAuditEvents,
  uniqueName,
} from '../../helpers/gateway.ts';

export interface VaultAgent {
  key: string;
  keyId: string;
  tenantId: string;
  headers: Record<string, string>;
}

export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
  /** `error.code` of an error body, else null. */
  code: string | null;
}

export interface VaultGateway {
  gateway: Gateway;
  baseUrl: string;
  environment: GatewayEnvironment;
  /** Every log line the gateway wrote (level trace), to prove no secret reaches them. */
  logs: string[];
  createAgent(services?: string[], tenant?: string): Promise<VaultAgent>;
  call(
    agent: VaultAgent | null,
    method: string,
    path: string,
    options?: { headers?: Record<string, string>; body?: string },
  ): Promise<CallResult>;
  auditEvents(): Promise<AuditEvent[]>;
  close(): Promise<void>;
}

/** Boots a real gateway on 127.0.0.1:0 with `vault` as its config section and a log sink at trace level. */
export async function startVaultGateway(
  vault: Record<string, unknown>,
  options: { environment?: GatewayEnvironment; store?: 'sqlite' | 'postgres' } = {},
): Promise<VaultGateway> {
  const environment = options.environment ?? (await createGatewayEnvironment(options.store ?? 'sqlite'));
  const configPath = join(environment.dataDir, `gatehouse-${uniqueName('cfg')}.yaml`);
  writeFileSync(configPath, stringify({ vault }));
  const logs: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => logs.push(line) });
  const config = loadConfig({ env: { ...environment.env, GATEHOUSE_CONFIG: configPath } });
  const gateway = await createGateway(config, { logger });
  await gateway.app.listen({ host: '127.0.0.1', port: 0 });
  const baseUrl = `http://127.0.0.1:${(gateway.app.server.address() as AddressInfo).port}`;
  return {
    gateway,
    baseUrl,
    environment,
    logs,
    async createAgent(services = [], tenantName) {
      const tenant = tenantName
        ? await gateway.identity.findTenant(tenantName).catch(() => gateway.identity.createTenant(tenantName))
        : await gateway.identity.createTenant(uniqueName('tenant'));
      const team = await gateway.identity.createTeam(tenant.id, uniqueName('team'));
      const issued = await gateway.identity.createKey({ tenant: tenant.id, team: team.id, name: uniqueName('agent') });
      if (services.length > 0) await gateway.vault.admin.grant(issued.record.id, services);
      await gateway.snapshot.refresh();
      return {
        key: issued.key,
        keyId: issued.record.id,
        tenantId: tenant.id,
        headers: { authorization: `Bearer ${issued.key}` },
      };
    },
    async call(agent, method, path, callOptions = {}) {
      const response = await request(`${baseUrl}${path}`, {
        method: method as 'GET',
        headers: { ...(agent?.headers ?? {}), ...(callOptions.headers ?? {}) },
        body: callOptions.body,
      });
      const text = await response.body.text();
      let json: unknown = null;
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
      const code = (json as { error?: { code?: string } } | null)?.error?.code ?? null;
      return { status: response.statusCode, headers: response.headers, text, json, code };
    },
    async auditEvents() {
      await gateway.audit.flush();
      return readAuditEvents(gateway.store);
    },
    async close() {
      await gateway.close();
      if (!options.environment) await environment.dispose();
    },
  };
}
