import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface WrkResult {
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

function toMs(value: string, unit: string): number {
  const n = Number(value);
  if (unit === 'us') return n / 1000;
  if (unit === 's') return n * 1000;
  return n;
}

/** Parses wrk 4's `--latency` report. */
export function parseWrk(output: string): WrkResult {
  const percentile = (p: string): number => {
    const match = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(output);
    return match ? toMs(match[1] as string, match[2] as string) : Number.NaN;
  };
  const requests = Number(/(\d+) requests in/.exec(output)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socket = socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    requests,
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? 0),
    p50Ms: percentile('50'),
    p99Ms: percentile('99'),
    errors: non2xx + socket,
  };
}

export interface WrkOptions {
  url: string;
  body: string;
  headers: Record<string, string>;
  durationS: number;
  connections: number;
  threads: number;
  scratchDir: string;
}

/** Drives one POST endpoint with wrk (a Lua script sets method, body and headers), bounded by `durationS`. */
export function runWrk(options: WrkOptions): Promise<WrkResult> {
  const script = join(options.scratchDir, `wrk-${Date.now()}-${Math.random().toString(36).slice(2)}.lua`);
  const headerLines = Object.entries(options.headers)
    .map(([name, value]) => `wrk.headers[${JSON.stringify(name)}] = ${JSON.stringify(value)}`)
    .join('\n');
  writeFileSync(script, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(options.body)}\n${headerLines}\n`);
  const args = [
    `-t${options.threads}`,
    `-c${options.connections}`,
    `-d${options.durationS}s`,
    '--timeout',
    '5s',
    '--latency',
    '-s',
    script,
    options.url,
  ];
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { timeout: (options.durationS + 30) * 1000 }, (error, stdout) => {
      if (error) reject(error);
      else resolve(parseWrk(stdout));
    });
  });
}
