import { Pool } from 'undici';

export interface FixedRateResult {
  sent: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
}

export interface FixedRateOptions {
  origin: string;
  path: string;
  body: string;
  headers: Record<string, string>;
  rps: number;
  durationS: number;
}

/**
 * Open-loop load at a fixed rate, well below saturation: each request's latency is measured from the moment it
 * was due, not from when it was sent, so a stalled server is charged for the requests queued behind the stall
 * (no coordinated omission). This is the latency a deployment sees at a steady load, which saturation runs
 * cannot show (there, latency is just connections ÷ throughput).
 */
export async function runFixedRate(options: FixedRateOptions): Promise<FixedRateResult> {
  const pool = new Pool(options.origin, { connections: 64, pipelining: 1 });
  const total = Math.round(options.rps * options.durationS);
  const intervalMs = 1000 / options.rps;
  const latencies: number[] = [];
  let errors = 0;
  const inFlight: Promise<void>[] = [];
  const startedAt = performance.now();
  const fire = async (dueAt: number): Promise<void> => {
    try {
      const { statusCode, body } = await pool.request({
        path: options.path,
        method: 'POST',
        headers: options.headers,
        body: options.body,
      });
      await body.dump();
      if (statusCode !== 200) errors++;
    } catch {
      errors++;
    }
    latencies.push(performance.now() - dueAt);
  };
  for (let i = 0; i < total; i++) {
    const dueAt = startedAt + i * intervalMs;
    const wait = dueAt - performance.now();
    // Timers are ~1 ms grained: sleep only when ahead, and send every request already due in this turn.
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    inFlight.push(fire(dueAt));
  }
  await Promise.all(inFlight);
  await pool.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return { sent: total, errors, p50Ms: at(0.5), p99Ms: at(0.99) };
}
