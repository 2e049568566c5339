import { orderTargets, targetKey } from './target-order.ts';
import type { BalanceStrategy, ModelGroupSpec, TargetSpec } from './types.ts';

export interface PlannedAttempt {
  group: ModelGroupSpec;
  target: TargetSpec;
  key: string;
  /** 0 for the first attempt of the whole call. */
  attempt: number;
  /** True when this attempt moved to a fallback group. */
  fallback: boolean;
}

export interface AttemptPlanInput {
  primary: ModelGroupSpec;
  resolveGroup: (name: string) => ModelGroupSpec | undefined;
  requestId: string;
  defaultStrategy: BalanceStrategy;
  defaultRetries: number;
  maxAttempts: number;
  inFlight?: (key: string) => number;
}

export interface AttemptPlan {
  /** The next attempt, or null when the plan is exhausted. `isAvailable` is consulted at call time. */
  next(isAvailable: (target: TargetSpec, key: string) => boolean): PlannedAttempt | null;
  readonly attempts: number;
}

/** Primary group first, then its fallbacks breadth-first; each group once, so fallback cycles terminate. */
export function collectGroups(
  primary: ModelGroupSpec,
  resolve: (name: string) => ModelGroupSpec | undefined,
): ModelGroupSpec[] {
  const seen = new Set<string>([primary.name]);
  const groups: ModelGroupSpec[] = [primary];
  for (let i = 0; i < groups.length; i++) {
    for (const name of (groups[i] as ModelGroupSpec).fallbacks ?? []) {
      const group = resolve(name);
      if (group !== undefined && !seen.has(group.name)) {
        seen.add(group.name);
        groups.push(group);
      }
    }
  }
  return groups;
}

/** Module-level rather than nested in the plan: one closure fewer per call (tsx names each one with `__name`). */
function enterGroup(input: AttemptPlanInput, group: ModelGroupSpec): number[] {
  return orderTargets({
    targets: group.targets,
    requestId: input.requestId,
    strategy: group.strategy ?? input.defaultStrategy,
    inFlight: input.inFlight,
  });
}

/**
 * Each group gets `1 + retries` attempts, walking its targets in their balanced order and wrapping around, so a
 * retry lands on another target when there is one and on the same target (next API key) when there is not.
 * Targets whose circuit is open, or whose keys all cool down, are skipped; a group with none left yields to
 * the next fallback group.
 */
export function createAttemptPlan(input: AttemptPlanInput): AttemptPlan {
  const groups = collectGroups(input.primary, input.resolveGroup);
  let groupIndex = 0;
  let order: number[] | null = null;
  let cursor = 0;
  let usedInGroup = 0;
  let attempts = 0;

  return {
    get attempts() {
      return attempts;
    },
    next(isAvailable) {
      while (attempts < input.maxAttempts && groupIndex < groups.length) {
        const group = groups[groupIndex] as ModelGroupSpec;
        order ??= enterGroup(input, group);
        const budget = 1 + Math.max(0, group.retries ?? input.defaultRetries);
        if (usedInGroup < budget && order.length > 0) {
          for (let step = 0; step < order.length; step++) {
            const index = order[(cursor + step) % order.length] as number;
            const target = group.targets[index] as TargetSpec;
            const key = targetKey(target);
            if (!isAvailable(target, key)) continue;
            cursor = (cursor + step + 1) % order.length;
            usedInGroup += 1;
            const planned = { group, target, key, attempt: attempts, fallback: groupIndex > 0 };
            attempts += 1;
            return planned;
          }
        }
        groupIndex += 1;
        order = null;
        cursor = 0;
        usedInGroup = 0;
      }
      return null;
    },
  };
}
