/**
 * @module Team tool policy: deny by default, ordered rules, wildcards on server ids and tool names, optional
 * argument constraints, and an optional capability requirement. The same decision filters `tools/list` and
 * enforces `tools/call` on both surfaces (reference §F.1: no gateway shares one policy between the two).
 */
import { type Static, Type } from '@sinclair/typebox';
import { ArgPredicateListSchema, firstFailingPredicate, globToRegExp } from '../capabilities/predicates.ts';

const Glob = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.*?/-]+$' });
/** Resource URIs and URI templates: any visible characters (`*` and `?` are the wildcards). */
const UriGlob = Type.String({ minLength: 1, maxLength: 1024, pattern: '^[\\x21-\\x7e]+$' });

export const ToolRuleSchema = Type.Object(
  {
    effect: Type.Optional(Type.Union([Type.Literal('allow'), Type.Literal('deny')])),
    server: Glob,
    /** Tool names this rule covers (call and list). A rule names at least one of tools, prompts, resources. */
    tools: Type.Optional(Type.Array(Glob, { minItems: 1, maxItems: 256 })),
    /** Prompt names this rule covers (`prompts/list`, `prompts/get`, completion on them). */
    prompts: Type.Optional(Type.Array(Glob, { minItems: 1, maxItems: 256 })),
    /**
     * Resource URIs this rule covers (`resources/list`, `resources/read`, subscriptions); a resource template is
     * listed when its `uriTemplate` matches, and a URI read through it is judged as itself.
     */
    resources: Type.Optional(Type.Array(UriGlob, { minItems: 1, maxItems: 256 })),
    /** Every predicate must hold over the canonical arguments (allow rules only). */
    args: Type.Optional(ArgPredicateListSchema),
    /** A JSON Schema the arguments must satisfy (allow rules only), checked by the adapter's validator. */
    args_schema: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    /** Calls allowed by this rule need a signed capability (`x-gatehouse-capability`). */
    require_capability: Type.Optional(Type.Boolean()),
    /** Calls per minute per team and tool allowed by this rule. */
    rate_limit_per_minute: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  },
  { additionalProperties: false },
);
export type ToolRule = Static<typeof ToolRuleSchema>;

export const ToolPolicySchema = Type.Object(
  { rules: Type.Array(ToolRuleSchema, { maxItems: 512 }) },
  { additionalProperties: false },
);
export type ToolPolicy = Static<typeof ToolPolicySchema>;

export const DENY_ALL_POLICY: ToolPolicy = { rules: [] };

export type PolicyKind = 'tools' | 'prompts' | 'resources';

interface CompiledRule {
  index: number;
  rule: ToolRule;
  server: RegExp;
  tools: RegExp[];
  prompts: RegExp[];
  resources: RegExp[];
}

/** A policy with its globs compiled once, so a request matches regexes and never re-parses patterns. */
export interface CompiledToolPolicy {
  readonly rules: readonly CompiledRule[];
}

export function compileToolPolicy(policy: ToolPolicy): CompiledToolPolicy {
  return {
    rules: policy.rules.map((rule, index) => ({
      index,
      rule,
      server: globToRegExp(rule.server),
      tools: (rule.tools ?? []).map(globToRegExp),
      prompts: (rule.prompts ?? []).map(globToRegExp),
      resources: (rule.resources ?? []).map(globToRegExp),
    })),
  };
}

/** A rule must cover something: a rule naming no kind would silently match nothing. */
export function ruleCoversNothing(rule: ToolRule): boolean {
  return rule.tools === undefined && rule.prompts === undefined && rule.resources === undefined;
}

function matchesKind(compiled: CompiledRule, kind: PolicyKind, server: string, name: string): boolean {
  return compiled.server.test(server) && compiled[kind].some((pattern) => pattern.test(name));
}

function matches(compiled: CompiledRule, server: string, tool: string): boolean {
  return matchesKind(compiled, 'tools', server, tool);
}

/** Whether a listing shows the item: an allow rule names it before any deny rule does. */
export function isVisible(policy: CompiledToolPolicy, kind: PolicyKind, server: string, name: string): boolean {
  for (const compiled of policy.rules) {
    if (!matchesKind(compiled, kind, server, name)) continue;
    return (compiled.rule.effect ?? 'allow') === 'allow';
  }
  return false;
}

/** Whether `tools/list` shows the tool: an allow rule names it before any deny rule does. */
export function isToolVisible(policy: CompiledToolPolicy, server: string, tool: string): boolean {
  return isVisible(policy, 'tools', server, tool);
}

/** Whether any allow rule reaches the server (for any kind): the server is then part of the caller's view. */
export function isServerVisible(policy: CompiledToolPolicy, server: string): boolean {
  return policy.rules.some((compiled) => (compiled.rule.effect ?? 'allow') === 'allow' && compiled.server.test(server));
}

export type ToolCallDecision =
  | { decision: 'allow'; ruleIndex: number; requireCapability: boolean; rateLimitPerMinute: number | null }
  | { decision: 'deny'; reason: 'no_rule' | 'denied_by_rule' | 'arguments'; ruleIndex: number | null };

/**
 * Decides one call. Rules run in order: a matching deny rule denies; a matching allow rule whose argument
 * constraints hold allows; one whose constraints fail is skipped, and if nothing else allows, the denial says
 * `arguments` so the caller learns the tool exists but these arguments are refused.
 */
export function decideToolCall(
  policy: CompiledToolPolicy,
  server: string,
  tool: string,
  args: unknown,
  validateSchema: (schema: Record<string, unknown>, value: unknown) => boolean,
): ToolCallDecision {
  let argumentFailure: number | null = null;
  for (const compiled of policy.rules) {
    if (!matches(compiled, server, tool)) continue;
    const { rule } = compiled;
    if ((rule.effect ?? 'allow') === 'deny')
      return { decision: 'deny', reason: 'denied_by_rule', ruleIndex: compiled.index };
    const predicatesHold = rule.args === undefined || firstFailingPredicate(args, rule.args) === -1;
    const schemaHolds = rule.args_schema === undefined || validateSchema(rule.args_schema, args);
    if (predicatesHold && schemaHolds) {
      return {
        decision: 'allow',
        ruleIndex: compiled.index,
        requireCapability: rule.require_capability === true,
        rateLimitPerMinute: rule.rate_limit_per_minute ?? null,
      };
    }
    argumentFailure ??= compiled.index;
  }
  if (argumentFailure !== null) return { decision: 'deny', reason: 'arguments', ruleIndex: argumentFailure };
  return { decision: 'deny', reason: 'no_rule', ruleIndex: null };
}
