import type { TSchema } from '@sinclair/typebox';
import { ScopeLimitSettingsSchema } from '../admission/config-schema.ts';
import { AuditCheckpointSchema, AuditEventSchema } from '../domain/audit/index.ts';
import { CapabilityClaimsSchema } from '../domain/capabilities/index.ts';
import { LimitPolicySchema, PriceTableSchema } from '../domain/limits/index.ts';
import { ToolPolicySchema } from '../domain/mcp/index.ts';
import { BindingSchema, RoleSchema, ScopeSchema } from '../domain/rbac/index.ts';
import { ModelGroupSpecSchema, UpstreamSpecSchema } from '../domain/routing/index.ts';
import { SecretEnvelopeSchema } from '../domain/secrets/index.ts';
import { VaultServiceSchema } from '../vault/service-schema.ts';
import { AnthropicErrorBodySchema, ErrorBodySchema, OllamaErrorBodySchema } from './error-schema.ts';
import { SurfaceSchema } from './surface-schema.ts';

/**
 * Every wire format Gatehouse owns, exported to `contracts/schemas/<name>.schema.json` by
 * `npm run contracts`. The code validates with these same TypeBox schemas, so the checked-in JSON
 * Schema is never a second hand-written copy; a test fails when the two drift.
 */
export interface ContractEntry {
  name: string;
  schema: TSchema;
}

export const contracts: ContractEntry[] = [
  { name: 'audit-event', schema: AuditEventSchema },
  { name: 'audit-checkpoint', schema: AuditCheckpointSchema },
  { name: 'error', schema: ErrorBodySchema },
  { name: 'anthropic-error', schema: AnthropicErrorBodySchema },
  { name: 'ollama-error', schema: OllamaErrorBodySchema },
  { name: 'surface', schema: SurfaceSchema },
  { name: 'secret-envelope', schema: SecretEnvelopeSchema },
  { name: 'limit-policy', schema: LimitPolicySchema },
  { name: 'price-table', schema: PriceTableSchema },
  { name: 'scope-limit-settings', schema: ScopeLimitSettingsSchema },
  { name: 'rbac-role', schema: RoleSchema },
  { name: 'rbac-binding', schema: BindingSchema },
  { name: 'rbac-scope', schema: ScopeSchema },
  { name: 'llm-upstream', schema: UpstreamSpecSchema },
  { name: 'llm-model-group', schema: ModelGroupSpecSchema },
  { name: 'vault-service', schema: VaultServiceSchema },
  { name: 'capability-claims', schema: CapabilityClaimsSchema },
  { name: 'mcp-tool-policy', schema: ToolPolicySchema },
];
