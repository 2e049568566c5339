/**
 * @module What admission remembers about one admitted request until it settles: who to charge, what was reserved,
 * and the state backend's reservation. The pipeline keeps it until the request settles; one class so every ticket
 * has the same shape.
 */
import { DEFAULT_LEASE_TTL_MS, type Reservation } from '../domain/limits/index.ts';
import type { Principal } from '../domain/principal.ts';
import type { SharedState } from '../state/index.ts';
import type { AdmissionLogger } from './types.ts';

export class AdmissionTicket {
  readonly requestId: string;
  readonly tenantId: string;
  readonly teamId: string;
  /** The key id, or `<type>:<id>` for a principal that is not a key (a JWT mapped to a team). */
  readonly keyId: string;
  /** `''` when the request names no model. */
  readonly model: string;
  /** The agent session, `''` when none: the ledger's spend is kept per session too. */
  readonly session: string;
  promptTokens = 0;
  outputTokens = 0;
  reservedUsd = 0;
  /** Set by `measure` when the request ends: what it actually used, which its settle charges. */
  actualTokens = 0;
  actualUsd = 0;
  measured = false;
  reservation: Reservation | null = null;
  #renewal: NodeJS.Timeout | null = null;

  constructor(requestId: string, principal: Principal, model: string, session = '') {
    this.requestId = requestId;
    this.tenantId = principal.tenantId ?? '';
    this.teamId = principal.teamId ?? '';
    this.keyId = principal.type === 'key' ? principal.id : `${principal.type}:${principal.id}`;
    this.model = model;
    this.session = session;
  }

  get reservedTokens(): number {
    return this.promptTokens + this.outputTokens;
  }

  /**
   * Renews the concurrency leases at half their TTL while the request runs, so a stream longer than the TTL keeps
   * its slot, while a crashed instance's slots still free themselves one TTL after its last renewal.
   */
  keepLeases(state: SharedState, ttlMs: number | undefined, logger: Pick<AdmissionLogger, 'error'>): void {
    const ttl = ttlMs ?? DEFAULT_LEASE_TTL_MS;
    const reservation = this.reservation;
    if (reservation === null) return;
    this.#renewal = setInterval(() => {
      state.renewLeases(reservation, ttl).catch((error) => logger.error({ err: error }, 'renewing leases failed'));
    }, ttl / 2);
    this.#renewal.unref();
  }

  stopLeaseRenewal(): void {
    if (this.#renewal !== null) clearInterval(this.#renewal);
    this.#renewal = null;
  }
}
