/**
 * @module RBAC: permission catalog, scopes, roles, bindings, the policy engine and the escalation
 * guard (DESIGN §4). Pure: no I/O; the store supplies snapshots and `http/` maps decisions to errors.
 *
 * @example
 * const engine = createPolicyEngine({ roles: customRoles, bindings });
 * const decision = engine.authorize('key:0190…', 'llm.chat', 'org:…/team:…');
 * if (decision.decision === 'deny') // → 403, and `decision` goes into the audit event
 */
export {
  type BindingValidation,
  createPolicyEngine,
  type Decision,
  type DecisionReason,
  PolicyConfigError,
  type PolicyEngine,
  type PolicyIssueCode,
  type PolicySnapshot,
  validateBinding,
} from './engine.ts';
export { checkGrant, type GrantCheck, type GrantRequest } from './grant.ts';
export {
  expandPermissionPattern,
  isPermission,
  isPermissionPattern,
  matchPermission,
  type PatternExpansion,
  PERMISSIONS,
  type Permission,
} from './permissions.ts';
export {
  BUILTIN_ROLES,
  compileRoles,
  isBuiltinRole,
  type RoleCompilation,
  type RoleIssueCode,
  type RoleValidation,
  validateRole,
} from './roles.ts';
export {
  type Binding,
  type BindingEffect,
  BindingSchema,
  PermissionPatternSchema,
  type Role,
  RoleNameSchema,
  RoleSchema,
  ScopeSchema,
} from './schemas.ts';
export {
  formatScope,
  isScope,
  type ParsedScope,
  PLATFORM_SCOPE,
  parseScope,
  scopeChain,
  scopeCovers,
  scopeDepth,
} from './scope.ts';
