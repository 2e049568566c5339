import canonicalizeExport from 'canonicalize';
import type { AuditEvent, AuditEventDraft, AuditOutcome } from '../../../../src/domain/audit/index.ts';
import { ChainSealer } from '../../../../src/domain/audit/index.ts';

const canonicalizeLoaded: unknown = canonicalizeExport;

/** RFC 8785 via the `canonicalize` package, called directly: the reference the code under test is held to. */
export const jcs = (
  typeof canonicalizeLoaded === 'function'
    ? canonicalizeLoaded
    : (canonicalizeLoaded as { default: (input: unknown) => string | undefined }).default
) as (input: unknown) => string | undefined;

/** A valid draft; `overrides` replace whole members. */
export function makeDraft(overrides: Partial<AuditEventDraft> = {}): AuditEventDraft {
  return {
    id: '01936c5e-8a00-7000-8000-000000000001',
    ts: '2026-11-22T12:00:00.000Z',
    request_id: 'req-1',
    region: 'eu-west',
    principal: { type: 'key', id: 'key-1', tenant_id: 'tenant-1', team_id: 'team-1' },
    surface: 'llm.chat',
    method: 'POST',
    path: '/v1/chat/completions',
    status: 200,
    outcome: 'success',
    latency_ms: 12.5,
    authz: { decision: 'allow', permission: 'llm.chat', scope: 'org:tenant-1', binding_id: 'b-1', reason: null },
    upstream: { id: 'openai', target: 'gpt-4o', attempts: 1 },
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    error_code: null,
    meta: { model: 'gpt-4o', stream: false },
    ...overrides,
  };
}

/** Seals `count` drafts from `makeDraft` into one chain; returns the events and the sealer's head. */
export function sealChain(count: number, chainId = 'chain-a') {
  const sealer = new ChainSealer(chainId);
  const events: AuditEvent[] = [];
  for (let i = 1; i <= count; i++) {
    const suffix = i.toString(16).padStart(12, '0');
    events.push(sealer.seal(makeDraft({ id: `01936c5e-8a00-7000-8000-${suffix}`, request_id: `req-${i}` })));
  }
  return { events, head: sealer.head(), sealer };
}

/** A deep copy, so a test can tamper with one event without touching the fixture. */
export function cloneEvents(events: readonly AuditEvent[]): AuditEvent[] {
  return structuredClone(events) as AuditEvent[];
}

/** Deterministic PRNG (mulberry32), so a failing property case reproduces from its seed. */
export function createRandom(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)] as T;
  const hex = (length: number): string => {
    let out = '';
    for (let i = 0; i < length; i++) out += '0123456789abcdef'[int(0, 15)];
    return out;
  };
  const text = (): string =>
    pick(['a', 'zz', 'café', '☕', '\u{1F600}', 'tab\tquote"', '', 'e\u0301', '日本']) + int(0, 99);
  return { next, int, pick, hex, text };
}

export type Random = ReturnType<typeof createRandom>;

export const OUTCOMES: readonly AuditOutcome[] = [
  'success',
  'client_error',
  'denied',
  'unauthenticated',
  'rate_limited',
  'upstream_error',
  'error',
  'aborted',
];

function randomUuid(random: Random): string {
  const h = random.hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-7${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20)}`;
}

function maybe<T>(random: Random, make: () => T): T | null {
  return random.next() < 0.3 ? null : make();
}

/** A schema-valid draft with every member drawn at random, nullables null about a third of the time. */
export function randomDraft(random: Random): AuditEventDraft {
  const meta: Record<string, string | number | boolean | null> = {};
  for (let i = random.int(0, 4); i > 0; i--) {
    meta[random.text()] = random.pick([random.text(), random.int(-1e6, 1e6), random.next() * 1e-9, true, null]);
  }
  const prompt = random.int(0, 5000);
  const completion = random.int(0, 5000);
  return {
    id: randomUuid(random),
    ts: new Date(Date.UTC(2026, 0, 1) + random.int(0, 1e10)).toISOString(),
    request_id: `req-${random.hex(8)}`,
    region: random.pick(['eu-west', 'us-east', 'ap-south']),
    principal: maybe(random, () => ({
      type: random.pick(['key', 'user', 'jwt'] as const),
      id: random.text() || 'p',
      tenant_id: maybe(random, () => random.text()),
      team_id: maybe(random, () => random.text()),
    })),
    surface: random.pick(['llm.chat', 'mcp.tools.call', 'vault.proxy', '__unmatched__']),
    method: random.pick(['GET', 'POST', 'DELETE']),
    path: random.pick(['/v1/chat/completions', '/mcp', '/vault/:service/*', '/__unmatched__']),
    status: random.pick([200, 201, 304, 400, 401, 403, 404, 429, 500, 502, 503, 504]),
    outcome: random.pick(OUTCOMES),
    latency_ms: random.next() * 1000,
    authz: maybe(random, () => ({
      decision: random.pick(['allow', 'deny'] as const),
      permission: maybe(random, () => 'llm.chat'),
      scope: maybe(random, () => `org:${random.hex(4)}`),
      binding_id: maybe(random, () => random.hex(6)),
      reason: maybe(random, () => random.text()),
    })),
    upstream: maybe(random, () => ({ id: 'up-1', target: maybe(random, () => 'gpt-4o'), attempts: random.int(0, 3) })),
    usage: maybe(random, () => ({
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      ...(random.next() < 0.5 ? { cost_usd: random.next() / 1000 } : {}),
    })),
    error_code: maybe(random, () => random.pick(['rate_limited', 'upstream_timeout'])),
    meta,
  };
}
