/**
 * @module Reads one sample out of a Prometheus text exposition (`/metrics`), for suites that check a counter moved.
 */

/** The value of the first `name` sample whose labels include every one of `labels`; null when there is none. */
export function metricSample(text: string, name: string, labels: Record<string, string>): number | null {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(' ').at(-1));
  }
  return null;
}
