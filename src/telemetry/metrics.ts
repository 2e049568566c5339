/**
 * @module The gateway's instruments: one prom-client registry behind `/metrics`, which the OTLP bridge
 * (`otlp-metrics.ts`) also reads, so Prometheus and OTLP always see the same numbers.
 *
 * Label cardinality is bounded by construction: labels are surfaces, statuses classes, models, upstreams, MCP
 * servers and tools, vault services and outcome words, all of them configuration, never request or key ids.
 * Tenant and team ids appear only when the operator turns them on (`telemetry.metrics.tenant_labels`,
 * `team_labels`); otherwise those labels are empty, which Prometheus treats as absent.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { LabelledCounter, LabelledHistogram } from './labelled.ts';

/** Seconds. Covers a 2 ms health check to a two-minute reasoning call. */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
/** The GenAI semantic conventions' advice for `gen_ai.client.operation.duration`. */
const GENAI_DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
/** The GenAI semantic conventions' advice for `gen_ai.client.token.usage` (powers of 4). */
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
/** The GenAI semantic conventions' advice for `gen_ai.server.time_to_first_token`. */
const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const COMMIT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** Why admission refused a request (`gatehouse_admission_denials_total{reason}`). */
export type DenialReason = 'rate' | 'concurrency' | 'budget' | 'policy';

export interface LlmObservation {
  operation: string;
  model: string;
  upstream: string;
  outcome: string;
  durationSeconds: number;
  inputTokens: number | null;
  outputTokens: number | null;
  ttftSeconds: number | null;
  costUsd: number | null;
  tenantId: string | null;
  teamId: string | null;
}

export interface GatewayMetrics {
  readonly registry: Registry;
  countAuthz(surface: string, permission: string, outcome: string): void;
  /** Counts a finished request; `seconds` also feeds the duration histogram when given. */
  countRequest(surface: string, status: number, seconds?: number): void;
  countDenial(surface: string, reason: DenialReason): void;
  observeLlmCall(call: LlmObservation): void;
  countUpstreamAttempt(upstream: string, outcome: string): void;
  observeMcpToolCall(server: string, tool: string, outcome: string, seconds: number): void;
  countVaultRefresh(service: string, outcome: 'success' | 'failure'): void;
  /** Where `gatehouse_audit_queue_depth` reads the writer's pending count, at each scrape. */
  readAuditQueueDepthFrom(read: () => number): void;
  countAuditWriteFailure(): void;
  observeAuditCommit(seconds: number, events: number): void;
  /** A batch delivered to (or refused by) the SIEM export sink. */
  countAuditExport(outcome: 'delivered' | 'failed', events: number): void;
  /** Series whose value is read when scraped (circuit state, budget utilisation): nothing runs per request. */
  addCollector(name: CollectedGauge, collect: (set: (labels: string[], value: number) => void) => void): void;
}

export type CollectedGauge =
  | 'gatehouse_upstream_circuit_open'
  | 'gatehouse_budget_utilization_ratio'
  | 'gatehouse_audit_checkpoint_pending'
  | 'gatehouse_audit_checkpoint_last_stored_seconds';

const COLLECTED_GAUGES: Record<CollectedGauge, { help: string; labelNames: string[] }> = {
  gatehouse_upstream_circuit_open: {
    help: 'Whether a model target is cooling down after repeated failures (1) or taking traffic (0).',
    labelNames: ['upstream', 'target'],
  },
  gatehouse_budget_utilization_ratio: {
    help: 'Spend in the current budget window divided by the budget, per scope that has a budget.',
    labelNames: ['scope', 'tenant', 'team', 'budget', 'window'],
  },
  gatehouse_audit_checkpoint_pending: {
    help: 'Signed audit checkpoints a sink has not stored yet (a growing number: the sink is failing).',
    labelNames: ['sink'],
  },
  gatehouse_audit_checkpoint_last_stored_seconds: {
    help: 'Unix time of the last audit checkpoint a sink stored.',
    labelNames: ['sink'],
  },
};

export interface MetricsOptions {
  tenantLabels?: boolean;
  teamLabels?: boolean;
}

function statusClass(status: number): string {
  switch (Math.floor(status / 100)) {
    case 2:
      return '2xx';
    case 3:
      return '3xx';
    case 4:
      return '4xx';
    case 5:
      return '5xx';
    default:
      return '1xx';
  }
}

export function createMetrics(options: MetricsOptions = {}): GatewayMetrics {
  const registry = new Registry();
  const registers = [registry];
  const counter = (name: string, help: string, labelNames: string[]) =>
    new LabelledCounter(new Counter({ name, help, labelNames, registers }));
  const histogram = (name: string, help: string, labelNames: string[], buckets: number[]) =>
    new LabelledHistogram(new Histogram({ name, help, labelNames, buckets, registers }));

  const authz = counter(
    'gatehouse_authz_decisions_total',
    'Authorization decisions by surface, permission and outcome.',
    ['surface', 'permission', 'outcome'],
  );
  const requests = counter('gatehouse_requests_total', 'Requests by surface and status class.', ['surface', 'status']);
  const duration = histogram(
    'gatehouse_request_duration_seconds',
    'Time from the request to its audit event, by surface and status class.',
    ['surface', 'status'],
    REQUEST_BUCKETS,
  );
  const denials = counter(
    'gatehouse_admission_denials_total',
    'Requests refused by admission or policy, by reason (rate, concurrency, budget, policy).',
    ['surface', 'reason'],
  );
  const tokens = histogram(
    'gatehouse_llm_token_usage_tokens',
    'Tokens per LLM call (gen_ai.client.token.usage), by token type (input, output).',
    ['operation', 'model', 'upstream', 'type'],
    TOKEN_BUCKETS,
  );
  const llmDuration = histogram(
    'gatehouse_llm_operation_duration_seconds',
    'LLM call duration (gen_ai.client.operation.duration), upstream wait and relay included.',
    ['operation', 'model', 'upstream', 'outcome'],
    GENAI_DURATION_BUCKETS,
  );
  const ttft = histogram(
    'gatehouse_llm_time_to_first_token_seconds',
    'Time from the call to the first token from the upstream (gen_ai.server.time_to_first_token).',
    ['model', 'upstream'],
    TTFT_BUCKETS,
  );
  const cost = counter('gatehouse_llm_cost_usd_total', 'Priced spend of LLM calls in US dollars.', [
    'tenant',
    'team',
    'model',
  ]);
  const attempts = counter(
    'gatehouse_upstream_attempts_total',
    'Attempts against LLM upstreams (failover included), by outcome: ok or the upstream error code.',
    ['upstream', 'outcome'],
  );
  const toolCalls = histogram(
    'gatehouse_mcp_tool_call_duration_seconds',
    'MCP tool calls relayed to upstream servers, by server, tool and outcome.',
    ['server', 'tool', 'outcome'],
    REQUEST_BUCKETS,
  );
  const vaultRefreshes = counter(
    'gatehouse_vault_token_refreshes_total',
    'OAuth2 token refreshes of vault credentials, by service and outcome.',
    ['service', 'outcome'],
  );
  let readQueueDepth: () => number = () => 0;
  // Read at scrape time rather than pushed on commit: during a store outage nothing commits, and a pushed value
  // would stay at its last (low) reading while events pile up (issue 14, finding 9).
  new Gauge({
    name: 'gatehouse_audit_queue_depth',
    help: 'Audit events accepted but not yet committed.',
    registers,
    collect() {
      this.set(readQueueDepth());
    },
  });
  const auditFailures = new Counter({
    name: 'gatehouse_audit_write_failures_total',
    help: 'Failed audit batch commits (each is retried; events are kept).',
    registers,
  });
  const auditCommit = new Histogram({
    name: 'gatehouse_audit_commit_duration_seconds',
    help: 'Duration of one audit group commit (events and chain head in one transaction).',
    buckets: COMMIT_BUCKETS,
    registers,
  });
  const auditCommitted = new Counter({
    name: 'gatehouse_audit_events_committed_total',
    help: 'Audit events durably committed.',
    registers,
  });
  const auditExported = new Counter({
    name: 'gatehouse_audit_exported_events_total',
    help: 'Audit events delivered to the SIEM export sink (acknowledged with a 2xx).',
    registers,
  });
  const auditExportFailures = new Counter({
    name: 'gatehouse_audit_export_failures_total',
    help: 'Failed deliveries to the SIEM export sink (each batch is resent until acknowledged).',
    registers,
  });
  const tenantOf = options.tenantLabels ? (id: string | null) => id ?? '' : () => '';
  const teamOf = options.teamLabels ? (id: string | null) => id ?? '' : () => '';

  return {
    registry,
    countAuthz(surface, permission, outcome) {
      authz.inc([surface, permission, outcome]);
    },
    countRequest(surface, status, seconds) {
      const cls = statusClass(status);
      requests.inc([surface, cls]);
      if (seconds !== undefined) duration.observe([surface, cls], seconds);
    },
    countDenial(surface, reason) {
      denials.inc([surface, reason]);
    },
    observeLlmCall(call) {
      llmDuration.observe([call.operation, call.model, call.upstream, call.outcome], call.durationSeconds);
      if (call.inputTokens !== null)
        tokens.observe([call.operation, call.model, call.upstream, 'input'], call.inputTokens);
      if (call.outputTokens !== null) {
        tokens.observe([call.operation, call.model, call.upstream, 'output'], call.outputTokens);
      }
      if (call.ttftSeconds !== null) ttft.observe([call.model, call.upstream], call.ttftSeconds);
      if (call.costUsd !== null && call.costUsd > 0) {
        cost.inc([tenantOf(call.tenantId), teamOf(call.teamId), call.model], call.costUsd);
      }
    },
    countUpstreamAttempt(upstream, outcome) {
      attempts.inc([upstream, outcome]);
    },
    observeMcpToolCall(server, tool, outcome, seconds) {
      toolCalls.observe([server, tool, outcome], seconds);
    },
    countVaultRefresh(service, outcome) {
      vaultRefreshes.inc([service, outcome]);
    },
    readAuditQueueDepthFrom(read) {
      readQueueDepth = read;
    },
    countAuditWriteFailure: () => auditFailures.inc(),
    observeAuditCommit(seconds, events) {
      auditCommit.observe(seconds);
      auditCommitted.inc(events);
    },
    countAuditExport(outcome, events) {
      if (outcome === 'delivered') auditExported.inc(events);
      else auditExportFailures.inc();
    },
    addCollector(name, collect) {
      const spec = COLLECTED_GAUGES[name];
      new Gauge({
        name,
        help: spec.help,
        labelNames: spec.labelNames,
        registers,
        collect() {
          // Rebuilt per scrape, so a target or budget that is gone leaves no stale series behind.
          this.reset();
          collect((labels, value) => this.labels(...labels).set(value));
        },
      });
    },
  };
}
