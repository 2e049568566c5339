/**
 * @module The capability guard: verifies a presented capability against the call (domain logic), then
 * consumes its `jti` atomically in shared state, so a token is good for `max_uses` calls across every
 * instance (Redis in multi-instance mode) and never more.
 */
import {
  type CapabilityClaims,
  type CapabilityKey,
  type CapabilityReason,
  parseCapabilityKeys,
  verifyCapability,
} from '../domain/capabilities/index.ts';
import type { McpConfig } from './config.ts';
import { McpFailure, type McpFailureCode } from './errors.ts';

/** The slice of `SharedState` the guard needs; any implementation of that interface fits. */
export interface ReplayGuard {
  consumeOnce(key: string, ttlMs: number, maxUses?: number): Promise<boolean>;
}

export interface CapabilityCall {
  subject: string;
  server: string;
  tool: string;
  toolSha256: string;
  args: unknown;
}

const REASON_CODES: Record<CapabilityReason, McpFailureCode> = {
  malformed: 'capability_invalid',
  unsupported_alg: 'capability_invalid',
  wrong_type: 'capability_invalid',
  unknown_key: 'capability_invalid',
  bad_signature: 'capability_invalid',
  invalid_claims: 'capability_invalid',
  wrong_audience: 'capability_invalid',
  wrong_subject: 'capability_mismatch',
  not_yet_valid: 'capability_expired',
  expired: 'capability_expired',
  lifetime_too_long: 'capability_expired',
  wrong_server: 'capability_mismatch',
  wrong_tool: 'capability_mismatch',
  wrong_pin: 'capability_mismatch',
  wrong_arguments: 'capability_mismatch',
  replayed: 'capability_replayed',
};

export class CapabilityRefused extends McpFailure {
  readonly reason: CapabilityReason;
  readonly jti: string | null;

  constructor(reason: CapabilityReason, detail: string, jti: string | null) {
    super(REASON_CODES[reason], { reason, detail });
    this.reason = reason;
    this.jti = jti;
  }
}

export class CapabilityGuard {
  readonly keys: readonly CapabilityKey[];
  private readonly settings: McpConfig['capabilities'];
  private readonly replay: ReplayGuard;

  constructor(settings: McpConfig['capabilities'], replay: ReplayGuard) {
    this.settings = settings;
    this.replay = replay;
    this.keys = settings.issuerKeys ? parseCapabilityKeys(settings.issuerKeys) : [];
  }

  /** Verifies, then consumes one use. Throws `CapabilityRefused` with the reason on any refusal. */
  async admit(token: string, call: CapabilityCall, now = Date.now()): Promise<CapabilityClaims> {
    if (this.keys.length === 0) {
      throw new CapabilityRefused('unknown_key', 'no capability issuer keys are configured', null);
    }
    const verdict = await verifyCapability(token, this.keys, {
      audience: this.settings.audience,
      clockSkewSeconds: this.settings.clockSkewSeconds,
      maxLifetimeSeconds: this.settings.maxLifetimeSeconds,
      now,
      ...call,
    });
    if (!verdict.ok) throw new CapabilityRefused(verdict.reason, verdict.detail, verdict.jti);
    const { claims } = verdict;
    // The replay record must outlive the token, skew included, or a replay just after expiry-minus-skew passes.
    const ttlMs = Math.max((claims.exp + this.settings.clockSkewSeconds) * 1000 - now, 1000);
    const fresh = await this.replay.consumeOnce(`mcp:cap:${claims.iss}:${claims.jti}`, ttlMs, claims.max_uses ?? 1);
    if (!fresh) throw new CapabilityRefused('replayed', 'this capability has already been used', claims.jti);
    return claims;
  }
}
