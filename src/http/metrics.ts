import { Counter, Gauge, Registry } from 'prom-client';
import type { PipelineMetrics } from './pipeline/index.ts';

export interface GatewayMetrics extends PipelineMetrics {
  readonly registry: Registry;
  /** Where `gatehouse_audit_queue_depth` reads the writer's pending count, at each scrape. */
  readAuditQueueDepthFrom(read: () => number): void;
  countAuditWriteFailure(): void;
}

/**
 * Prometheus metrics. Label children are cached per label set, so the hot path does a map lookup and an add,
 * never a registry walk.
 */
export function createMetrics(): GatewayMetrics {
  const registry = new Registry();
  const authz = new Counter({
    name: 'gatehouse_authz_decisions_total',
    help: 'Authorization decisions by surface, permission and outcome.',
    labelNames: ['surface', 'permission', 'outcome'],
    registers: [registry],
  });
  const requests = new Counter({
    name: 'gatehouse_requests_total',
    help: 'Requests by surface and status class.',
    labelNames: ['surface', 'status'],
    registers: [registry],
  });
  let readQueueDepth: () => number = () => 0;
  // Read at scrape time rather than pushed on commit: during a store outage nothing commits, and a pushed value
  // would stay at its last (low) reading while events pile up (issue 14, finding 9).
  new Gauge({
    name: 'gatehouse_audit_queue_depth',
    help: 'Audit events accepted but not yet committed.',
    registers: [registry],
    collect() {
      this.set(readQueueDepth());
    },
  });
  const auditFailures = new Counter({
    name: 'gatehouse_audit_write_failures_total',
    help: 'Failed audit batch commits (each is retried; events are kept).',
    registers: [registry],
  });
  const authzChildren = new Map<string, Counter.Internal>();
  const requestChildren = new Map<string, Counter.Internal>();
  return {
    registry,
    countAuthz(surface, permission, outcome) {
      const key = `${surface}\0${permission}\0${outcome}`;
      let child = authzChildren.get(key);
      if (!child) {
        child = authz.labels(surface, permission, outcome);
        authzChildren.set(key, child);
      }
      child.inc();
    },
    countRequest(surface, status) {
      const statusClass = `${Math.floor(status / 100)}xx`;
      const key = `${surface}\0${statusClass}`;
      let child = requestChildren.get(key);
      if (!child) {
        child = requests.labels(surface, statusClass);
        requestChildren.set(key, child);
      }
      child.inc();
    },
    readAuditQueueDepthFrom(read) {
      readQueueDepth = read;
    },
    countAuditWriteFailure: () => auditFailures.inc(),
  };
}
