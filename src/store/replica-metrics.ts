import { Gauge, type Registry } from 'prom-client';
import type { ReplicaRouter } from './replica-router.ts';

/**
 * Exposes the read-replica breaker on `/metrics`. The gauges are computed at scrape time from the router's state
 * (prom-client `collect`), so reads and probes pay nothing for them.
 */
export function registerReplicaMetrics(registry: Registry, router: ReplicaRouter): void {
  new Gauge({
    name: 'gatehouse_replica_in_use',
    help: '1 while lag-tolerant reads go to the read replica, 0 while they fall back to the primary.',
    registers: [registry],
    collect() {
      this.set(router.status().using === 'replica' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'gatehouse_replica_lag_seconds',
    help: 'Replication lag last measured by the heartbeat (-1 when the replica could not be read).',
    registers: [registry],
    collect() {
      const { lagMs } = router.status();
      this.set(lagMs === null ? -1 : lagMs / 1000);
    },
  });
  new Gauge({
    name: 'gatehouse_replica_fallbacks',
    help: 'Times reads moved from the replica to the primary since start (the breaker opening).',
    registers: [registry],
    collect() {
      this.set(router.status().fallbacks);
    },
  });
}
