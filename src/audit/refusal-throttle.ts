/**
 * @module The throttle on failed authentication, per source address (issue 14, finding 8: an unknown-key flood
 * wrote about 6,600 audit rows a second and raised valid requests' median latency 7.6×). Within a fixed window of
 * `intervalMs`, a source's first `failures` refusals are audited one by one; past that, its refusals are answered
 * 429 and counted instead, and at the end of the window one event per source records how many there were. A flood
 * then costs one row per source and window, never one per request, and cannot fill the disk.
 *
 * A valid credential from a throttled source is never refused: the throttle only acts on requests whose
 * authentication already failed. Sources past `maxSources` in one window share one bucket (`*`), so rotating
 * source addresses cannot grow the table without bound.
 */
import type { AuditEventDraft } from '../domain/audit/index.ts';
import { uuidv7 } from '../domain/ids.ts';

export interface RefusalThrottleOptions {
  failures: number;
  intervalMs: number;
  maxSources: number;
  regionId: string;
  /** Where the aggregated events go (the audit writer). */
  write(draft: AuditEventDraft): void;
  now?: () => number;
}

interface SourceWindow {
  failures: number;
  /** Refusals counted instead of audited. */
  suppressed: number;
  surfaces: Set<string>;
}

/** The error code of a refusal the throttle counts instead of auditing. */
export const THROTTLED_CODE = 'auth_throttled';

export class RefusalThrottle {
  readonly #options: RefusalThrottleOptions;
  readonly #now: () => number;
  #windowStart: number;
  #sources = new Map<string, SourceWindow>();
  #timer: NodeJS.Timeout | null = null;

  constructor(options: RefusalThrottleOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#windowStart = this.#now();
  }

  start(): void {
    this.#timer = setInterval(() => this.flush(), this.#options.intervalMs);
    this.#timer.unref();
  }

  /**
   * Notes one failed authentication from `source`. Returns null while the source is within its allowance, or the
   * whole seconds until its window ends (the `Retry-After`) once it is past it.
   */
  noteFailure(source: string): number | null {
    let window = this.#sources.get(source);
    if (window === undefined) {
      const key = this.#sources.size >= this.#options.maxSources ? '*' : source;
      window = this.#sources.get(key);
      if (window === undefined) {
        window = { failures: 0, suppressed: 0, surfaces: new Set() };
        this.#sources.set(key, window);
      }
    }
    window.failures++;
    if (window.failures <= this.#options.failures) return null;
    const remaining = this.#windowStart + this.#options.intervalMs - this.#now();
    return Math.max(1, Math.ceil(remaining / 1000));
  }

  /** Counts a throttled refusal instead of writing its event; the draft names its source in `meta`. */
  absorb(draft: AuditEventDraft): void {
    const source = String(draft.meta.source_address ?? 'unknown');
    const window = this.#sources.get(source) ?? this.#sources.get('*');
    if (window === undefined) return;
    window.suppressed++;
    window.surfaces.add(draft.surface);
  }

  /** Closes the window: one aggregated event per source that had refusals counted, then a fresh window. */
  flush(): void {
    const start = this.#windowStart;
    const end = this.#now();
    const sources = this.#sources;
    this.#sources = new Map();
    this.#windowStart = end;
    for (const [source, window] of sources) {
      if (window.suppressed === 0) continue;
      this.#options.write({
        id: uuidv7(end),
        ts: new Date(end).toISOString(),
        request_id: uuidv7(end),
        region: this.#options.regionId,
        principal: null,
        surface: '__throttled__',
        method: 'ANY',
        path: '/__throttled__',
        status: 429,
        outcome: 'rate_limited',
        latency_ms: 0,
        authz: null,
        upstream: null,
        usage: null,
        error_code: THROTTLED_CODE,
        meta: {
          source_address: source,
          count: window.suppressed,
          failures: window.failures,
          window_start: new Date(start).toISOString(),
          window_ms: end - start,
          surfaces: [...window.surfaces].sort().join(','),
        },
      });
    }
  }

  /** Writes what the current window counted; called once at shutdown, before the audit writer drains. */
  close(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.flush();
  }
}
