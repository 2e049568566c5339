/**
 * @module MCP administration shared by the admin API and the CLI (`gatehouse mcp …`): registered servers, team
 * policies addressed by team name (or id), pins, virtual servers. It works on the store alone, so the CLI needs no
 * running gateway; every write moves the store's revision, which running instances poll, so a change made here is
 * live on every instance within about a second.
 */
import { pinKind } from '../domain/mcp/index.ts';
import type { SecretService } from '../secrets/index.ts';
import {
  type McpServerRecord,
  mcpExtrasRepository,
  mcpRepository,
  NotFoundError,
  type Store,
  type TeamRecord,
  tenantsRepository,
} from '../store/index.ts';
import { nextRevision } from '../store/revisions.ts';
import type { McpConfig } from './config.ts';
import { parseToolPolicy } from './policy.ts';
import { MCP_SECRET_OWNER_PREFIX } from './store-sync.ts';
import type { VirtualServerDefinition } from './views.ts';
import { parseVirtualServer } from './virtual-servers.ts';

export class McpAdminError extends Error {
  readonly field: string;
  readonly kind: 'invalid' | 'conflict' | 'not_found';

  constructor(kind: McpAdminError['kind'], field: string, message: string) {
    super(message);
    this.name = 'McpAdminError';
    this.kind = kind;
    this.field = field;
  }
}

export interface ServerRegistration {
  id: string;
  transport: 'streamable_http' | 'sse';
  url: string;
  description?: string;
  timeoutMs?: number;
  era?: 'auto' | 'legacy' | 'modern';
  credential?: string;
  credentialHeader?: string;
}

export interface ServerListing {
  id: string;
  source: 'config' | 'admin';
  transport: string;
  url: string | null;
  description: string;
  era: string;
}

export interface PinListing {
  server: string;
  kind: 'tool' | 'prompt' | 'resource_template';
  name: string;
  key: string;
  status: 'approved' | 'quarantined';
  approved_sha256: string | null;
  pending_sha256: string | null;
  pending_definition: unknown;
  approved_by: string | null;
  updated_at: string;
}

export class McpAdmin {
  private readonly store: Store;
  private readonly secrets: SecretService;
  private readonly config: McpConfig;

  constructor(store: Store, secrets: SecretService, config: McpConfig) {
    this.store = store;
    this.secrets = secrets;
    this.config = config;
  }

  /** A team by id, or by name: across tenants unless one is given; a name two tenants share needs the tenant. */
  async resolveTeam(team: string, tenant?: string): Promise<TeamRecord> {
    if (tenant !== undefined) {
      const owner = await tenantsRepository.findTenant(this.store.read, tenant);
      return tenantsRepository.findTeam(this.store.read, owner.id, team);
    }
    const matches = (await tenantsRepository.listAllTeams(this.store.read)).filter(
      (candidate) => candidate.id === team || candidate.name === team,
    );
    if (matches.length === 0) throw new NotFoundError('team', team);
    if (matches.length > 1) {
      throw new McpAdminError(
        'invalid',
        'team',
        `team name ${team} exists in ${matches.length} tenants; name the tenant`,
      );
    }
    return matches[0] as TeamRecord;
  }

  async listServers(): Promise<ServerListing[]> {
    const fromConfig: ServerListing[] = this.config.servers.map((spec) => ({
      id: spec.id,
      source: 'config',
      transport: spec.transport,
      url: spec.transport === 'stdio' ? null : spec.url,
      description: spec.description,
      era: spec.era,
    }));
    const configured = new Set(fromConfig.map((server) => server.id));
    const stored = (await mcpRepository.listServers(this.store.read))
      .filter((record) => !configured.has(record.id))
      .map((record) => ({
        id: record.id,
        source: 'admin' as const,
        transport: record.transport,
        url: record.url,
        description: record.description,
        era: record.settings.era ?? 'auto',
      }));
    return [...fromConfig, ...stored].sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Registers or replaces an HTTP server; the credential is stored as an envelope and never returned. */
  async registerServer(input: ServerRegistration): Promise<{ created: boolean; record: McpServerRecord }> {
    if (this.config.servers.some((spec) => spec.id === input.id)) {
      throw new McpAdminError('conflict', 'id', `MCP server ${input.id} is defined in the config file`);
    }
    if (input.credential !== undefined && input.credentialHeader === undefined) {
      throw new McpAdminError('invalid', 'credential_header', 'credential needs credential_header');
    }
    const existing = (await mcpRepository.listServers(this.store.read)).find((record) => record.id === input.id);
    if (input.credential !== undefined) {
      await this.secrets.put(`${MCP_SECRET_OWNER_PREFIX}${input.id}`, 'credential', input.credential);
    }
    const record = {
      id: input.id,
      transport: input.transport,
      url: input.url,
      description: input.description ?? '',
      settings: {
        timeoutMs: input.timeoutMs ?? null,
        credentialHeader: input.credentialHeader ?? null,
        hasCredential:
          input.credential !== undefined || (existing !== undefined && input.credentialHeader !== undefined),
        era: input.era ?? 'auto',
      },
    };
    await mcpRepository.upsertServer(this.store.write, record);
    const now = Date.now();
    return {
      created: existing === undefined,
      record: { ...record, createdAt: existing?.createdAt ?? now, updatedAt: now },
    };
  }

  async removeServer(id: string): Promise<void> {
    if (this.config.servers.some((spec) => spec.id === id)) {
      throw new McpAdminError('conflict', 'id', `MCP server ${id} is defined in the config file`);
    }
    if (!(await mcpRepository.deleteServer(this.store.write, id))) throw new NotFoundError('MCP server', id);
    await this.secrets.delete(`${MCP_SECRET_OWNER_PREFIX}${id}`, 'credential');
  }

  async policy(teamId: string): Promise<{ stored: boolean; policy: unknown }> {
    const row = await mcpRepository.getPolicy(this.store.read, teamId);
    return row ? { stored: true, policy: JSON.parse(row.policy) } : { stored: false, policy: { rules: [] } };
  }

  async setPolicy(teamId: string, input: unknown, by: string | null) {
    const policy = parseToolPolicy(input);
    await mcpRepository.putPolicy(this.store.write, teamId, JSON.stringify(policy), by);
    return policy;
  }

  async listPins(server?: string): Promise<PinListing[]> {
    const rows = await mcpRepository.listPins(this.store.read, server);
    return rows.map((pin) => {
      const { kind, name } = pinKind(pin.toolName);
      return {
        server: pin.serverId,
        kind,
        name,
        key: pin.toolName,
        status: pin.pendingSha256 ? 'quarantined' : 'approved',
        approved_sha256: pin.approvedSha256,
        pending_sha256: pin.pendingSha256,
        pending_definition: pin.pendingDefinition ? JSON.parse(pin.pendingDefinition) : null,
        approved_by: pin.approvedBy,
        updated_at: new Date(pin.updatedAt).toISOString(),
      };
    });
  }

  /** Approves a quarantined definition if it is still `sha256`; moves the revision so every instance re-judges. */
  async approvePin(server: string, key: string, sha256: string, by: string | null): Promise<boolean> {
    const approved = await mcpRepository.approvePin(this.store.write, server, key, sha256, by);
    if (approved) await this.store.write.transaction().execute((trx) => nextRevision(trx));
    return approved;
  }

  async listVirtualServers(): Promise<Array<VirtualServerDefinition & { source: 'config' | 'admin' }>> {
    const stored = (await mcpExtrasRepository.listVirtualServers(this.store.read)).map((row) => ({
      name: row.name,
      ...(JSON.parse(row.definition) as Omit<VirtualServerDefinition, 'name'>),
      source: 'admin' as const,
    }));
    const configured = this.config.virtualServers.map((definition) => ({ ...definition, source: 'config' as const }));
    const names = new Set(configured.map((definition) => definition.name));
    return [...configured, ...stored.filter((definition) => !names.has(definition.name))];
  }

  async putVirtualServer(name: string, input: unknown, by: string | null): Promise<VirtualServerDefinition> {
    if (this.config.virtualServers.some((definition) => definition.name === name)) {
      throw new McpAdminError('conflict', 'name', `virtual server ${name} is defined in the config file`);
    }
    const definition = parseVirtualServer(name, input);
    const { name: _name, ...rest } = definition;
    await mcpExtrasRepository.putVirtualServer(this.store.write, name, JSON.stringify(rest), by);
    return definition;
  }

  async removeVirtualServer(name: string): Promise<void> {
    if (this.config.virtualServers.some((definition) => definition.name === name)) {
      throw new McpAdminError('conflict', 'name', `virtual server ${name} is defined in the config file`);
    }
    if (!(await mcpExtrasRepository.deleteVirtualServer(this.store.write, name))) {
      throw new NotFoundError('virtual server', name);
    }
  }
}
