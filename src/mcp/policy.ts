/**
 * @module Team tool policies: stored per team, validated on write, compiled once, and cached per instance
 * for at most `maxAgeMs` so a change reaches every instance within a second without a store read per call.
 * A team without a policy gets the empty one: deny by default.
 */
import { Value } from '@sinclair/typebox/value';
import {
  type CompiledToolPolicy,
  compileToolPolicy,
  DENY_ALL_POLICY,
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
  return input as ToolPolicy;
}

interface CachedPolicy {
  policy: ToolPolicy;
  compiled: CompiledToolPolicy;
  loadedAt: number;
}

const DENY_ALL: CachedPolicy = { policy: DENY_ALL_POLICY, compiled: compileToolPolicy(DENY_ALL_POLICY), loadedAt: 0 };

export class ToolPolicyService {
  private readonly store: Store;
  private readonly maxAgeMs: number;
  private readonly cache = new Map<string, CachedPolicy>();

  constructor(store: Store, maxAgeMs = 1000) {
    this.store = store;
    this.maxAgeMs = maxAgeMs;
  }

  /** The team's compiled policy; `null` team (a principal outside any team) gets deny-all. */
  async forTeam(teamId: string | null): Promise<CachedPolicy> {
    if (teamId === null) return DENY_ALL;
    const cached = this.cache.get(teamId);
    if (cached && Date.now() - cached.loadedAt < this.maxAgeMs) return cached;
    const row = await mcpRepository.getPolicy(this.store.read, teamId);
    const policy = row ? (JSON.parse(row.policy) as ToolPolicy) : DENY_ALL_POLICY;
    const entry = { policy, compiled: compileToolPolicy(policy), loadedAt: Date.now() };
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
