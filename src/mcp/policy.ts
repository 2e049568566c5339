/**
 * @module Team tool policies: stored per team, validated on write, compiled once, and cached per instance. With
 * a revision source (the store sync) an entry stays valid until the store's revision counter moves, so a change
 * reaches every instance within one poll and a call reads no row; without one, or while the source is stale
 * (store unreachable), entries expire after `maxAgeMs` and a store that is down fails the call (fail closed).
 * A team without a policy gets the empty one: deny by default.
 */
import { Value } from '@sinclair/typebox/value';
import {
  type CompiledToolPolicy,
  compileToolPolicy,
  DENY_ALL_POLICY,
  ruleCoversNothing,
  type ToolPolicy,
  ToolPolicySchema,
} from '../domain/mcp/index.ts';
import { mcpRepository, type Store } from '../store/index.ts';

export class PolicyValidationError extends Error {
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.name = 'PolicyValidationError';
    this.field = field;
  }
}

/** Validates an untrusted policy document; throws with the first offending path. */
export function parseToolPolicy(input: unknown): ToolPolicy {
  const first = Value.Errors(ToolPolicySchema, input).First();
  if (first) {
    const field = first.path ? first.path.slice(1).replaceAll('/', '.') : 'policy';
    throw new PolicyValidationError(field, `${field} ${first.message}`);
  }
  const policy = input as ToolPolicy;
  const empty = policy.rules.findIndex(ruleCoversNothing);
  if (empty !== -1) {
    throw new PolicyValidationError(`rules.${empty}`, `rules.${empty} names none of tools, prompts, resources`);
  }
  return policy;
}

export interface CachedPolicy {
  /** Whether the team has a stored policy at all (false: the deny-all default applies). */
  stored: boolean;
  policy: ToolPolicy;
  compiled: CompiledToolPolicy;
  loadedAt: number;
  /** The store revision the source had seen when this was read (-1 without a source). */
  revision: number;
}

/** Where the cache learns that the store changed: `McpStoreSync` polls the revision counter. */
export interface RevisionSource {
  readonly revision: number;
  isFresh(now?: number): boolean;
}

const DENY_ALL: CachedPolicy = {
  stored: false,
  policy: DENY_ALL_POLICY,
  compiled: compileToolPolicy(DENY_ALL_POLICY),
  loadedAt: 0,
  revision: -1,
};

export class ToolPolicyService {
  private readonly store: Store;
  private readonly maxAgeMs: number;
  private readonly cache = new Map<string, CachedPolicy>();
  private source: RevisionSource | null = null;

  constructor(store: Store, maxAgeMs = 1000) {
    this.store = store;
    this.maxAgeMs = maxAgeMs;
  }

  /** Switches the cache from time-based expiry to revision-based invalidation. */
  useRevisionSource(source: RevisionSource): void {
    this.source = source;
  }

  private isCurrent(entry: CachedPolicy, now: number): boolean {
    if (this.source?.isFresh(now)) return entry.revision === this.source.revision;
    return now - entry.loadedAt < this.maxAgeMs;
  }

  /** The team's compiled policy; `null` team (a principal outside any team) gets deny-all. */
  async forTeam(teamId: string | null): Promise<CachedPolicy> {
    if (teamId === null) return DENY_ALL;
    const now = Date.now();
    const cached = this.cache.get(teamId);
    if (cached && this.isCurrent(cached, now)) return cached;
    // Taken before the read: a write the read misses has a later revision, so the entry is dropped at the next poll.
    const revision = this.source?.revision ?? -1;
    const row = await mcpRepository.getPolicy(this.store.read, teamId);
    const policy = row ? (JSON.parse(row.policy) as ToolPolicy) : DENY_ALL_POLICY;
    const entry = {
      stored: row !== undefined && row !== null,
      policy,
      compiled: compileToolPolicy(policy),
      loadedAt: now,
      revision,
    };
    this.cache.set(teamId, entry);
    return entry;
  }

  async put(teamId: string, input: unknown, updatedBy: string | null): Promise<ToolPolicy> {
    const policy = parseToolPolicy(input);
    await mcpRepository.putPolicy(this.store.write, teamId, JSON.stringify(policy), updatedBy);
    this.cache.delete(teamId);
    return policy;
  }
}
