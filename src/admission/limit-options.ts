/**
 * @module The `--rpm --tpm --max-parallel --budget-*` flags shared by `gatehouse key create` and
 * `gatehouse team|tenant|key limits set`, parsed strictly: a negative, zero or non-numeric value is an error naming
 * the flag, never a silently ignored limit.
 */
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ValidationError } from '../identity/index.ts';
import {
  type ScopeBudgets,
  type ScopeLimitSettings,
  ScopeLimitSettingsSchema,
  type ScopeLimits,
} from './config-schema.ts';

const checkSettings = TypeCompiler.Compile(ScopeLimitSettingsSchema);

/** Commander option values as strings, keyed by camel-cased flag name. */
export type LimitFlagValues = Partial<Record<LimitFlag, string>>;

type LimitFlag =
  | 'rpm'
  | 'tpm'
  | 'maxParallel'
  | 'budgetTokensDaily'
  | 'budgetTokensMonthly'
  | 'budgetTokensTotal'
  | 'budgetUsdDaily'
  | 'budgetUsdMonthly'
  | 'budgetUsdTotal';

interface FlagSpec {
  flag: LimitFlag;
  option: string;
  help: string;
  kind: 'rate' | 'integer' | 'usd';
  target: keyof ScopeLimits | keyof ScopeBudgets;
  section: 'limits' | 'budgets';
}

export const LIMIT_FLAGS: readonly FlagSpec[] = [
  { flag: 'rpm', option: '--rpm <n>', help: 'requests per minute', kind: 'rate', target: 'rpm', section: 'limits' },
  { flag: 'tpm', option: '--tpm <n>', help: 'tokens per minute', kind: 'rate', target: 'tpm', section: 'limits' },
  {
    flag: 'maxParallel',
    option: '--max-parallel <n>',
    help: 'requests in flight at once',
    kind: 'integer',
    target: 'max_parallel',
    section: 'limits',
  },
  ...(['daily', 'monthly', 'total'] as const).flatMap((window) => {
    const suffix = `${window[0]?.toUpperCase()}${window.slice(1)}` as 'Daily' | 'Monthly' | 'Total';
    return [
      {
        flag: `budgetTokens${suffix}` as LimitFlag,
        option: `--budget-tokens-${window} <n>`,
        help: `token budget, ${window === 'total' ? 'never resets' : `${window} window (UTC)`}`,
        kind: 'integer' as const,
        target: `tokens_${window}` as const,
        section: 'budgets' as const,
      },
      {
        flag: `budgetUsd${suffix}` as LimitFlag,
        option: `--budget-usd-${window} <usd>`,
        help: `cost budget in USD, ${window === 'total' ? 'never resets' : `${window} window (UTC)`}`,
        kind: 'usd' as const,
        target: `usd_${window}` as const,
        section: 'budgets' as const,
      },
    ];
  }),
];

function parseFlagValue(spec: FlagSpec, raw: string): number {
  const name = spec.option.split(' ')[0] ?? spec.flag;
  const pattern = spec.kind === 'integer' ? /^\d+$/ : /^\d+(\.\d+)?$/;
  if (!pattern.test(raw.trim())) {
    throw new ValidationError(name, `"${raw}" is not a ${spec.kind === 'integer' ? 'whole number' : 'number'} >= 0`);
  }
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new ValidationError(name, `"${raw}" is out of range`);
  if (spec.section === 'limits' && value <= 0) {
    throw new ValidationError(name, 'must be greater than 0 (omit the flag for no limit)');
  }
  if (spec.kind === 'integer' && !Number.isSafeInteger(value)) throw new ValidationError(name, 'is too large');
  return value;
}

/** The `settings.limits` / `settings.budgets` fragment the given flags describe; empty when none was given. */
export function parseLimitFlags(values: LimitFlagValues): ScopeLimitSettings {
  const limits: Record<string, number> = {};
  const budgets: Record<string, number> = {};
  for (const spec of LIMIT_FLAGS) {
    const raw = values[spec.flag];
    if (raw === undefined) continue;
    (spec.section === 'limits' ? limits : budgets)[spec.target] = parseFlagValue(spec, raw);
  }
  const settings: ScopeLimitSettings = {};
  if (Object.keys(limits).length > 0) settings.limits = limits as ScopeLimits;
  if (Object.keys(budgets).length > 0) settings.budgets = budgets as ScopeBudgets;
  return settings;
}

/** Attaches every limit flag to a commander command. */
export function addLimitFlags<T extends { option(flags: string, description: string): T }>(command: T): T {
  for (const spec of LIMIT_FLAGS) command.option(spec.option, spec.help);
  return command;
}

/**
 * New settings for a level: `patch` merged field by field into its current `limits` and `budgets` (after removing
 * both when `clear`), other settings untouched. Throws `ValidationError` when the result would not validate.
 */
export function mergeLimitSettings(
  current: Readonly<Record<string, unknown>>,
  patch: ScopeLimitSettings,
  clear = false,
): Record<string, unknown> {
  const next: Record<string, unknown> = { ...current };
  const base = clear ? {} : (current as ScopeLimitSettings);
  const limits = { ...base.limits, ...patch.limits };
  const budgets = { ...base.budgets, ...patch.budgets };
  if (Object.keys(limits).length > 0) next.limits = limits;
  else delete next.limits;
  if (Object.keys(budgets).length > 0) next.budgets = budgets;
  else delete next.budgets;
  if (!checkSettings.Check(next)) {
    const first = checkSettings.Errors(next).First();
    throw new ValidationError(
      'settings',
      `stored limits would be invalid: ${first?.path ?? ''} ${first?.message ?? ''}`,
    );
  }
  return next;
}
