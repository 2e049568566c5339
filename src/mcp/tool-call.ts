/**
 * @module The one place a tool call is decided and executed, for every surface (REST, `/mcp`, server and virtual
 * endpoints, both eras): server → tool (pinned, not quarantined) → size → team policy (name and arguments) → the
 * tool's input schema → rate limit → capability (verify, then consume) → upstream with a timeout. Every step fills
 * the `CallTrace` the route audits, so a refused call is recorded as precisely as a successful one; tracing and
 * metrics hook in here.
 */
import { canonicalJson, canonicalSha256, decideToolCall, isServerVisible, isToolVisible } from '../domain/mcp/index.ts';
import type { Principal } from '../domain/principal.ts';
import type { OutboundTrace } from '../telemetry/index.ts';
import type { ArgumentValidator } from './argument-validator.ts';
import { type CapabilityGuard, CapabilityRefused } from './capabilities.ts';
import type { McpConfig } from './config.ts';
import { McpFailure } from './errors.ts';
import { mirrorParamHeaders } from './param-mirror.ts';
import type { ToolPolicyService } from './policy.ts';
import type { McpRegistry, ServerEntry } from './registry.ts';
import { propagate, startUpstreamSpan, withHeaders } from './upstream-span.ts';
import { type CallSinks, isObject, type JsonObject, NO_SINKS } from './wire.ts';

/** The shared-state call rate limits need (`SharedState` from src/state satisfies it). */
export interface RateLimiter {
  slidingWindowHit(key: string, limit: number, windowMs: number): Promise<{ allowed: boolean; retryAfterMs: number }>;
}

/** What one call did, for its audit event: filled step by step, read even when the call throws. */
export class CallTrace {
  server: string | null = null;
  tool: string | null = null;
  toolSha256: string | null = null;
  argsSha256: string | null = null;
  capabilityJti: string | null = null;
  capabilityReason: string | null = null;
  result: 'ok' | 'tool_error' | 'input_required' | 'refused' | 'failed' | null = null;
  upstreamMs: number | null = null;
  /** The request's trace, set by the route: the upstream call becomes its client span and carries its context. */
  outbound: OutboundTrace | null = null;
}

/** A relayed tool call as it ended, for the tool-call duration histogram (the outcome is `CallTrace.result`). */
export type ToolCallObserver = (server: string, tool: string, outcome: string, seconds: number) => void;

export interface CallRequest {
  server: string;
  tool: string;
  args: unknown;
  capability: string | null;
  /**
   * Protocol members relayed with the call (`_meta` minus gateway keys, and a 2026-07-28 retry's
   * `inputResponses` and upstream `requestState`).
   */
  extra?: JsonObject;
}

export interface ToolCallDeps {
  config: McpConfig;
  registry: McpRegistry;
  policies: ToolPolicyService;
  capabilities: CapabilityGuard;
  validator: ArgumentValidator;
  limiter: RateLimiter;
  /** The upstream to call: the shared connection, or the principal's own for a per-user OAuth server. */
  connectionFor(entry: ServerEntry, principal: Principal): Promise<ServerEntry['connection']>;
  /** Refuses a per-user OAuth server to a principal without a grant (`mcp_authorization_required`). */
  authorize(entry: ServerEntry, principal: Principal): Promise<void>;
  onToolCall: ToolCallObserver;
}

async function requireServer(deps: ToolCallDeps, principal: Principal, id: string): Promise<ServerEntry> {
  const entry = deps.registry.server(id);
  const { compiled } = await deps.policies.forTeam(principal.teamId);
  if (!entry || !isServerVisible(compiled, id))
    throw new McpFailure('mcp_server_not_found', { server: id }, { param: 'server' });
  return entry;
}

function checkArguments(deps: ToolCallDeps, args: unknown, trace: CallTrace): JsonObject {
  if (!isObject(args)) {
    throw new McpFailure(
      'tool_arguments_invalid',
      { detail: 'arguments must be a JSON object' },
      { param: 'arguments' },
    );
  }
  if (Buffer.byteLength(canonicalJson(args)) > deps.config.maxArgumentBytes) {
    throw new McpFailure('tool_arguments_too_large', { limit: deps.config.maxArgumentBytes }, { param: 'arguments' });
  }
  trace.argsSha256 = canonicalSha256(args);
  return args;
}

async function admitCapability(
  deps: ToolCallDeps,
  principal: Principal,
  request: CallRequest,
  toolSha256: string,
  args: JsonObject,
  trace: CallTrace,
): Promise<void> {
  if (request.capability === null) return;
  try {
    const claims = await deps.capabilities.admit(request.capability, {
      subject: principal.id,
      server: request.server,
      tool: request.tool,
      toolSha256,
      args,
    });
    trace.capabilityJti = claims.jti;
  } catch (error) {
    if (error instanceof CapabilityRefused) {
      trace.capabilityReason = error.reason;
      trace.capabilityJti = error.jti;
    }
    throw error;
  }
}

export async function executeToolCall(
  deps: ToolCallDeps,
  principal: Principal,
  request: CallRequest,
  trace: CallTrace,
  sinks: CallSinks = NO_SINKS,
): Promise<JsonObject> {
  trace.server = request.server;
  trace.tool = request.tool;
  trace.result = 'refused';
  const entry = await requireServer(deps, principal, request.server);
  await deps.authorize(entry, principal);
  await deps.registry.catalog(entry);
  const tool = entry.tools.get(request.tool);
  if (!tool) throw new McpFailure('tool_not_found', { server: request.server, tool: request.tool }, { param: 'tool' });
  trace.toolSha256 = tool.sha256;
  if (tool.status === 'quarantined')
    throw new McpFailure('tool_quarantined', { server: request.server, tool: request.tool });
  const args = checkArguments(deps, request.args ?? {}, trace);
  const { compiled } = await deps.policies.forTeam(principal.teamId);
  const decision = decideToolCall(compiled, request.server, request.tool, args, (schema, value) =>
    deps.validator.matches(schema, value),
  );
  if (decision.decision === 'deny') {
    if (decision.reason === 'arguments')
      throw new McpFailure('tool_arguments_denied', { tool: request.tool }, { param: 'arguments' });
    // A tool the policy hides is reported as unknown, as `tools/list` never showed it.
    if (!isToolVisible(compiled, request.server, request.tool)) {
      throw new McpFailure('tool_not_found', { server: request.server, tool: request.tool }, { param: 'tool' });
    }
    throw new McpFailure('tool_not_allowed', { tool: request.tool });
  }
  const schemaError = deps.validator.check(tool.tool.inputSchema, args);
  if (schemaError !== null)
    throw new McpFailure('tool_arguments_invalid', { detail: schemaError }, { param: 'arguments' });
  if (decision.rateLimitPerMinute !== null) {
    const key = `mcp:rl:${principal.teamId}:${request.server}:${request.tool}:${decision.ruleIndex}`;
    const hit = await deps.limiter.slidingWindowHit(key, decision.rateLimitPerMinute, 60_000);
    if (!hit.allowed) throw new McpFailure('tool_rate_limited', { retry_after_ms: hit.retryAfterMs });
  }
  if (decision.requireCapability && request.capability === null) {
    throw new McpFailure('capability_required', { tool: request.tool });
  }
  await admitCapability(deps, principal, request, tool.sha256, args, trace);
  const connection = await deps.connectionFor(entry, principal);
  // Named as the GenAI conventions name tool execution (`execute_tool {tool}`).
  const span = startUpstreamSpan(trace.outbound, entry, `execute_tool ${request.tool}`, {
    'gen_ai.operation.name': 'execute_tool',
    'gen_ai.tool.name': request.tool,
    'mcp.method.name': 'tools/call',
  });
  const started = process.hrtime.bigint();
  trace.result = 'failed';
  try {
    // A 2026 upstream routes on Mcp-Param-* headers too: they are rebuilt from the arguments actually relayed.
    const mirrored = connection.info?.era === 'modern' ? mirrorParamHeaders(tool.tool.inputSchema, args) : undefined;
    const relayed = { ...(request.extra ?? {}), name: request.tool, arguments: args };
    const carried = propagate(span, entry, relayed, mirrored);
    const result = await connection.request('tools/call', carried.params, sinks, withHeaders(carried));
    trace.result =
      result.resultType === 'input_required' ? 'input_required' : result.isError === true ? 'tool_error' : 'ok';
    return result;
  } finally {
    trace.upstreamMs = Number(process.hrtime.bigint() - started) / 1e6;
    deps.onToolCall(request.server, request.tool, trace.result, trace.upstreamMs / 1000);
    span?.end(trace.result === 'ok' || trace.result === 'input_required' ? null : trace.result);
  }
}
