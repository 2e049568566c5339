/**
 * @module Pure MCP logic: canonical hashing, tool-name namespacing, definition pinning, argument predicates,
 * team tool policy, Origin/Host checks and the upstream restart backoff. No I/O; `src/mcp/` and `src/http/routes/mcp/` use it.
 */
export { canonicalJson, canonicalSha256, sha256Hex } from '../capabilities/canonical.ts';
export {
  type ArgPredicate,
  ArgPredicateListSchema,
  ArgPredicateSchema,
  evaluatePredicate,
  firstFailingPredicate,
  globToRegExp,
  PREDICATE_OPS,
  type PredicateOp,
  resolvePointer,
} from '../capabilities/predicates.ts';
export { checkOriginAndHost, type OriginPolicy, type OriginVerdict } from './origin.ts';
export {
  judgePin,
  type PinnableTool,
  type PinRecord,
  type PinStatus,
  type PinVerdict,
  pinKey,
  pinKind,
  pinnedDefinition,
  pinnedPromptDefinition,
  pinnedTemplateDefinition,
  pinToolDefinition,
} from './pin.ts';
export {
  type CompiledToolPolicy,
  compileToolPolicy,
  DENY_ALL_POLICY,
  decideToolCall,
  isServerVisible,
  isToolVisible,
  isVisible,
  type PolicyKind,
  ruleCoversNothing,
  type ToolCallDecision,
  type ToolPolicy,
  ToolPolicySchema,
  type ToolRule,
  ToolRuleSchema,
} from './policy.ts';
export { RESTART_BACKOFF_BASE_MS, RESTART_BACKOFF_MAX_MS, restartDelayMs } from './restart-backoff.ts';
export {
  buildToolNameTable,
  isServerId,
  LLM_TOOL_NAME,
  NAMESPACE_SEPARATOR,
  type NamespacedTool,
  namespaceToolName,
  SERVER_ID_PATTERN,
} from './tool-names.ts';
