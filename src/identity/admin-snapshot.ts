import type { Kysely } from 'kysely';
import { digestsEqual, hashVirtualKey, isAdminTokenShape } from '../domain/keys/index.ts';
import type { Principal } from '../domain/principal.ts';
import { type Binding, createPolicyEngine, type PolicyEngine, type Role } from '../domain/rbac/index.ts';
import {
  type AdminTokenRecord,
  adminRepository,
  type Database,
  RevisionSnapshot,
  type RevisionSnapshotOptions,
  tenantsRepository,
} from '../store/index.ts';
import type { KeyAuthResult } from './key-snapshot.ts';

export interface AdminSnapshotOptions extends RevisionSnapshotOptions {
  pepper: Buffer;
}

interface UserView {
  email: string;
  tenantId: string | null;
  disabled: boolean;
}

/** Team names are unique within their tenant only; NUL cannot occur in an id or a name. */
function teamNameKey(tenantId: string, name: string): string {
  return `${tenantId}\u0000${name}`;
}

/**
 * The hot-path view of the control plane: admin tokens by hash, the RBAC policy engine (rebuilt when a role or
 * binding changes), and team → tenant so admin routes naming only a team resolve to their full scope.
 */
export class AdminSnapshot extends RevisionSnapshot {
  readonly #pepper: Buffer;
  readonly #tokensByHash = new Map<string, AdminTokenRecord>();
  readonly #tokensById = new Map<string, AdminTokenRecord>();
  #users = new Map<string, UserView>();
  #teamTenant = new Map<string, string>();
  #tenants = new Set<string>();
  #tenantByName = new Map<string, string>();
  #teamByName = new Map<string, string>();
  #teamsOfTenant = new Map<string, string[]>();
  #engine: PolicyEngine = createPolicyEngine({ bindings: [] });
  #policyRev = -1;

  constructor(options: AdminSnapshotOptions) {
    super(options);
    this.#pepper = options.pepper;
  }

  get engine(): PolicyEngine {
    return this.#engine;
  }

  protected async apply(db: Kysely<Database>, sinceRev: number): Promise<void> {
    for (const token of await adminRepository.listAdminTokensChangedSince(db, sinceRev)) {
      const previous = this.#tokensById.get(token.id);
      if (previous) this.#tokensByHash.delete(previous.hash);
      this.#tokensById.set(token.id, token);
      this.#tokensByHash.set(token.hash, token);
    }
    const users = await adminRepository.listUsers(db);
    this.#users = new Map(
      users.map((u) => [u.id, { email: u.email, tenantId: u.tenantId, disabled: u.disabledAt !== null }]),
    );
    const tenants = await tenantsRepository.listTenants(db);
    this.#tenants = new Set(tenants.map((tenant) => tenant.id));
    this.#tenantByName = new Map(tenants.map((tenant) => [tenant.name, tenant.id]));
    const teams = await tenantsRepository.listAllTeams(db);
    this.#teamTenant = new Map(teams.map((team) => [team.id, team.tenantId]));
    this.#teamByName = new Map(teams.map((team) => [teamNameKey(team.tenantId, team.name), team.id]));
    this.#teamsOfTenant = new Map();
    for (const team of teams) {
      const list = this.#teamsOfTenant.get(team.tenantId) ?? [];
      list.push(team.id);
      this.#teamsOfTenant.set(team.tenantId, list);
    }
    const policyRev = await adminRepository.policyRevision(db);
    if (policyRev !== this.#policyRev) {
      this.#engine = await this.#buildEngine(db);
      this.#policyRev = policyRev;
    }
  }

  async #buildEngine(db: Kysely<Database>): Promise<PolicyEngine> {
    const roles: Role[] = (await adminRepository.listRoles(db)).map((r) => ({
      name: r.name,
      description: r.description,
      permissions: r.permissions,
      ...(r.includes.length > 0 ? { includes: r.includes } : {}),
    }));
    const bindings: Binding[] = (await adminRepository.listBindings(db)).map((b) => ({
      id: b.id,
      principal: b.principal,
      role: b.role,
      scope: b.scope,
      effect: b.effect,
    }));
    return createPolicyEngine({ roles, bindings });
  }

  #findToken(digest: string): AdminTokenRecord | undefined {
    const record = this.#tokensByHash.get(digest);
    return record && digestsEqual(record.hash, digest) ? record : undefined;
  }

  tenantExists(tenantId: string): boolean {
    return this.#tenants.has(tenantId);
  }

  tenantOfTeam(teamId: string): string | undefined {
    return this.#teamTenant.get(teamId);
  }

  tenantNamed(name: string): string | undefined {
    return this.#tenantByName.get(name);
  }

  teamNamed(tenantId: string, name: string): string | undefined {
    return this.#teamByName.get(teamNameKey(tenantId, name));
  }

  teamsOfTenant(tenantId: string): readonly string[] {
    return this.#teamsOfTenant.get(tenantId) ?? [];
  }

  async authenticate(token: string, now = Date.now()): Promise<KeyAuthResult> {
    if (!this.isFresh(now)) return { ok: false, reason: 'identity_unavailable' };
    if (!isAdminTokenShape(token)) return { ok: false, reason: 'invalid_api_key' };
    const digest = hashVirtualKey(this.#pepper, token);
    let record = this.#findToken(digest);
    if (!record) {
      // Maybe issued since the last poll (by the CLI, another process): one shared, rate-limited refresh.
      await this.refreshOnMiss().catch(() => {});
      record = this.#findToken(digest);
    }
    if (!record) return { ok: false, reason: 'invalid_api_key' };
    return this.#principalOf(record, now);
  }

  /** The id of the token's record, for a console session that must follow the token's revocation; else null. */
  tokenIdOf(token: string): string | null {
    if (!isAdminTokenShape(token)) return null;
    return this.#findToken(hashVirtualKey(this.#pepper, token))?.id ?? null;
  }

  /** Authenticates by token id (a console session signed in with that token): revoked, expired or disabled fail. */
  authenticateTokenId(id: string, now = Date.now()): KeyAuthResult {
    if (!this.isFresh(now)) return { ok: false, reason: 'identity_unavailable' };
    const record = this.#tokensById.get(id);
    if (!record) return { ok: false, reason: 'key_revoked' };
    return this.#principalOf(record, now);
  }

  #principalOf(record: AdminTokenRecord, now: number): KeyAuthResult {
    if (record.revokedAt !== null && record.revokedAt <= now) return { ok: false, reason: 'key_revoked' };
    if (record.expiresAt !== null && record.expiresAt <= now) return { ok: false, reason: 'key_expired' };
    const user = this.#users.get(record.userId);
    if (!user || user.disabled) return { ok: false, reason: 'key_revoked' };
    const principal: Principal = {
      type: 'user',
      id: record.userId,
      tenantId: user.tenantId,
      teamId: null,
      name: user.email,
      settings: {},
      expiresAt: record.expiresAt,
    };
    return { ok: true, principal };
  }
}
