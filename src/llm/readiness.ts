import type { LlmRouter, UpstreamProbe } from '../providers/index.ts';

/** One `/readyz` entry; `required: false` entries are reported without failing readiness. */
export interface LlmReadinessCheck {
  name: string;
  required: boolean;
  check(): Promise<string | null>;
}

interface ProbeState {
  probe: UpstreamProbe;
  at: number;
}

/**
 * Light periodic probes (the upstream's model listing) so `/readyz` answers from memory instead of calling every
 * upstream on every poll of a load balancer.
 */
export class UpstreamHealthMonitor {
  readonly #router: LlmRouter;
  readonly #results = new Map<string, ProbeState>();
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;

  constructor(router: LlmRouter) {
    this.#router = router;
  }

  probeAll(ids: readonly string[]): Promise<void> {
    this.#running ??= (async () => {
      const probes = await Promise.all(ids.map((id) => this.#router.probeUpstream(id)));
      const now = Date.now();
      for (const key of this.#results.keys()) if (!ids.includes(key)) this.#results.delete(key);
      for (const probe of probes) this.#results.set(probe.upstream, { probe, at: now });
    })().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  start(ids: () => readonly string[], intervalMs: number): void {
    this.stop();
    this.#timer = setInterval(() => {
      this.probeAll(ids()).catch(() => {});
    }, intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Null when healthy or not probed yet; otherwise why not. */
  reasonFor(id: string): string | null {
    const state = this.#results.get(id);
    if (state === undefined || state.probe.ok) return null;
    const status = state.probe.status === null ? '' : ` (HTTP ${state.probe.status})`;
    return `${state.probe.error ?? 'unreachable'}${status} at ${new Date(state.at).toISOString()}`;
  }

  isReachable(id: string): boolean {
    return this.reasonFor(id) === null;
  }
}
