/**
 * @module Argument checks shared by both backends, so malformed calls fail the same way on each and
 * change nothing (DESIGN §2.5).
 */
import type { Reservation } from '../domain/limits/index.ts';

/**
 * How long an admitted reservation can still be settled. Each admission leaves an "open" marker that its settle
 * removes, which is what makes a repeated settle a no-op. So markers exist only for admissions in flight, plus any
 * whose holder died before settling; those lapse after this. The older design remembered every settled
 * reservation for two days instead: at 500 requests a second that is 86 million entries, in process memory or in
 * Redis. A settle later than this is dropped and the reservation stays charged, which is the safe direction.
 */
export const OPEN_RESERVATION_TTL_MS = 24 * 60 * 60 * 1000;

export function requireCount(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${what} must be an integer >= 1, got ${value}`);
  return value;
}

export function requireDuration(value: number, what: string): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(`${what} must be a positive number of ms, got ${value}`);
  return Math.ceil(value);
}

/** Usage reported at settle time: whole tokens (rounded up) and USD, both finite and >= 0. */
export function requireSettleUsage(actual: { tokens: number; costUsd: number }): { tokens: number; costUsd: number } {
  if (!Number.isFinite(actual.tokens) || actual.tokens < 0) {
    throw new RangeError(`tokens must be a number >= 0, got ${actual.tokens}`);
  }
  if (!Number.isFinite(actual.costUsd) || actual.costUsd < 0) {
    throw new RangeError(`costUsd must be a number >= 0, got ${actual.costUsd}`);
  }
  return { tokens: Math.ceil(actual.tokens), costUsd: actual.costUsd };
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** A reservation handed back to `settle`/`renewLeases` must have the shape `admit` produced. */
export function requireReservation(reservation: Reservation): Reservation {
  const valid =
    typeof reservation === 'object' &&
    reservation !== null &&
    typeof reservation.id === 'string' &&
    reservation.id.length > 0 &&
    Number.isFinite(reservation.tokens) &&
    Number.isFinite(reservation.costUsd) &&
    isStringArray(reservation.leases) &&
    Array.isArray(reservation.tokenBuckets) &&
    reservation.tokenBuckets.every((b) => typeof b?.key === 'string' && Number.isFinite(b.emissionMs)) &&
    Array.isArray(reservation.budgets) &&
    reservation.budgets.every((b) => typeof b?.key === 'string' && typeof b.windowKey === 'string');
  if (!valid) throw new RangeError('not a reservation issued by admit()');
  return reservation;
}
