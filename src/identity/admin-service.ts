import { uuidv7 } from '../domain/ids.ts';
import { generateAdminToken } from '../domain/keys/index.ts';
import {
  type Binding,
  checkGrant,
  isBuiltinRole,
  isScope,
  type PolicyEngine,
  type Role,
  validateBinding,
  validateRole,
} from '../domain/rbac/index.ts';
import {
  type AdminTokenRecord,
  adminRepository,
  type BindingRecord,
  NotFoundError,
  type RoleRecord,
  type Store,
  tenantsRepository,
  type UserRecord,
} from '../store/index.ts';
import { ValidationError } from './errors.ts';
import { hashKeyForStorage } from './key-hasher.ts';

export interface IssuedAdminToken {
  token: string;
  record: AdminTokenRecord;
}

export interface NewBinding {
  principal: string;
  role: string;
  scope: string;
  effect?: 'allow' | 'deny';
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

/** Users, admin tokens, roles and bindings: the operations behind the admin API and `gatehouse admin`. */
export class AdminService {
  readonly #store: Store;
  readonly #pepper: Buffer;

  constructor(store: Store, pepper: Buffer) {
    this.#store = store;
    this.#pepper = pepper;
  }

  async createUser(input: { email: string; name?: string; tenant?: string | null }): Promise<UserRecord> {
    if (!EMAIL.test(input.email)) throw new ValidationError('email', 'must be an email address');
    const tenantId = input.tenant ? (await tenantsRepository.findTenant(this.#store.write, input.tenant)).id : null;
    return adminRepository.createUser(this.#store.write, {
      email: input.email.toLowerCase(),
      name: input.name ?? input.email,
      tenantId,
    });
  }

  findUser(reference: string): Promise<UserRecord> {
    // The primary, not a replica: a user created a moment ago must be found (issueToken right after createUser).
    return adminRepository.findUser(this.#store.write, reference.includes('@') ? reference.toLowerCase() : reference);
  }

  listUsers(tenantId?: string): Promise<UserRecord[]> {
    return adminRepository.listUsers(this.#store.read, tenantId);
  }

  /** Admin tokens are hashed like keys (HMAC with the pepper) and shown once. */
  async issueToken(userReference: string, name = 'cli', expiresInMs: number | null = null): Promise<IssuedAdminToken> {
    const user = await this.findUser(userReference);
    const now = Date.now();
    const { key, prefix } = generateAdminToken();
    const record = await adminRepository.insertAdminToken(this.#store.write, {
      id: uuidv7(now),
      userId: user.id,
      name,
      prefix,
      hash: await hashKeyForStorage('hmac', this.#pepper, key),
      createdAt: now,
      expiresAt: expiresInMs === null ? null : now + expiresInMs,
    });
    return { token: key, record };
  }

  revokeToken(reference: string): Promise<AdminTokenRecord> {
    return adminRepository.revokeAdminToken(this.#store.write, reference);
  }

  /**
   * Creates (or reuses) a user, binds `platform-admin` at the platform scope, and issues a token. This is how the
   * first administrator comes to exist: from the CLI, which already holds the store; there is no default password.
   */
  async bootstrapPlatformAdmin(email: string): Promise<{ user: UserRecord; token: string }> {
    const user = await this.findUser(email).catch(async (error) => {
      if (error instanceof NotFoundError) return this.createUser({ email });
      throw error;
    });
    const principal = `user:${user.id}`;
    const existing = await adminRepository.listBindings(this.#store.write, { principal });
    if (!existing.some((b) => b.role === 'platform-admin' && b.scope === 'platform' && b.effect === 'allow')) {
      await adminRepository.createBinding(this.#store.write, {
        principal,
        role: 'platform-admin',
        scope: 'platform',
        effect: 'allow',
        createdBy: 'bootstrap',
      });
    }
    const { token } = await this.issueToken(user.id, 'bootstrap');
    return { user, token };
  }

  listRoles(): Promise<RoleRecord[]> {
    return adminRepository.listRoles(this.#store.read);
  }

  async saveRole(role: Role, expectedVersion: number | null | undefined): Promise<RoleRecord> {
    const known = (await adminRepository.listRoles(this.#store.write)).filter((r) => r.name !== role.name);
    const verdict = validateRole(
      role,
      known.map((r) => ({ name: r.name, permissions: r.permissions, includes: r.includes })),
    );
    if (!verdict.ok) throw new ValidationError(verdict.code, verdict.detail);
    return adminRepository.saveRole(
      this.#store.write,
      {
        name: role.name,
        description: role.description ?? '',
        permissions: role.permissions,
        includes: role.includes ?? [],
      },
      expectedVersion,
    );
  }

  deleteRole(name: string): Promise<boolean> {
    return adminRepository.deleteRole(this.#store.write, name);
  }

  listBindings(principal?: string): Promise<BindingRecord[]> {
    return adminRepository.listBindings(this.#store.read, principal ? { principal } : {});
  }

  /**
   * Creates a binding after checking it names a real role and scope, and — when `granter` is given — that the
   * granter holds every permission of the role at that scope (no self-escalation).
   */
  async createBinding(
    input: NewBinding,
    granter: { principal: string; engine: PolicyEngine } | null,
  ): Promise<BindingRecord> {
    const effect = input.effect ?? 'allow';
    const roles = await adminRepository.listRoles(this.#store.write);
    const knownRoles = { has: (name: string) => roles.some((r) => r.name === name) || isBuiltinRole(name) };
    const candidate: Binding = {
      id: uuidv7(),
      principal: input.principal,
      role: input.role,
      scope: input.scope,
      effect,
    };
    const verdict = validateBinding(candidate, knownRoles);
    if (!verdict.ok) throw new ValidationError(verdict.code, verdict.detail);
    if (!isScope(input.scope)) throw new ValidationError('scope', 'is not a valid scope');
    await this.#assertScopeExists(input.scope);
    if (granter) {
      const grant = checkGrant(granter.engine, granter.principal, { role: input.role, scope: input.scope });
      if (!grant.ok) throw new ValidationError('role', `cannot grant: ${grant.code} (${grant.detail})`);
    }
    return adminRepository.createBinding(this.#store.write, {
      principal: input.principal,
      role: input.role,
      scope: input.scope,
      effect,
      createdBy: granter?.principal ?? 'cli',
    });
  }

  async #assertScopeExists(scope: string): Promise<void> {
    const match = /^org:([0-9a-f-]{36})(?:\/team:([0-9a-f-]{36}))?$/.exec(scope);
    if (!match) return;
    // The scope is a field of the binding being created, not the resource addressed: a missing org or team is bad
    // input (400, param `scope`), not a 404 for the request URL.
    try {
      const tenant = await tenantsRepository.findTenant(this.#store.write, match[1] as string);
      if (match[2]) await tenantsRepository.findTeam(this.#store.write, tenant.id, match[2]);
    } catch (error) {
      if (error instanceof NotFoundError) throw new ValidationError('scope', `${scope} names no existing tenant/team`);
      throw error;
    }
  }

  findBinding(id: string): Promise<BindingRecord> {
    return adminRepository.findBinding(this.#store.read, id);
  }

  deleteBinding(id: string): Promise<boolean> {
    return adminRepository.deleteBinding(this.#store.write, id);
  }
}
