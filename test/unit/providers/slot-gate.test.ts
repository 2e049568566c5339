/**
 * Issue 14, finding 5: the gate in front of an upstream's connection pool. Slots up to the pool's size, a share per
 * tenant, waiters served round-robin between tenants, bounded waits and aborts that leave no trace in the queue.
 */
import { describe, expect, it } from 'vitest';
import { defaultPerTenantSlots, type ReleaseSlot, SlotGate } from '../../../src/providers/http/slot-gate.ts';
import type { CallSignal } from '../../../src/providers/types.ts';

function granted(outcome: unknown): ReleaseSlot {
  expect(typeof outcome).toBe('function');
  return outcome as ReleaseSlot;
}

function abortable(): CallSignal & { abort(): void } {
  const listeners = new Set<() => void>();
  const signal = {
    aborted: false,
    addEventListener: (_type: 'abort', listener: () => void) => void listeners.add(listener),
    removeEventListener: (_type: 'abort', listener: () => void) => void listeners.delete(listener),
    abort() {
      signal.aborted = true;
      for (const listener of [...listeners]) listener();
      listeners.clear();
    },
  };
  return signal;
}

describe('slot gate', () => {
  it('grants up to its capacity; a slot given back twice frees one slot', () => {
    const gate = new SlotGate({ capacity: 2, perTenant: 2 });
    const first = gate.tryAcquire('a');
    expect(gate.tryAcquire('a')).not.toBeNull();
    expect(gate.tryAcquire('b')).toBeNull();
    first?.();
    first?.();
    expect(gate.inUse).toBe(1);
    expect(gate.tryAcquire('b')).not.toBeNull();
    expect(gate.tryAcquire('b')).toBeNull();
  });

  it('keeps slots for other tenants past one tenant share', () => {
    const gate = new SlotGate({ capacity: 4, perTenant: 3 });
    for (let i = 0; i < 3; i++) expect(gate.tryAcquire('a')).not.toBeNull();
    expect(gate.tryAcquire('a')).toBeNull();
    expect(gate.tryAcquire('b')).not.toBeNull();
    expect(defaultPerTenantSlots(64)).toBe(48);
    expect(defaultPerTenantSlots(1)).toBe(1);
  });

  it('serves waiting tenants in turn, each in arrival order', async () => {
    const gate = new SlotGate({ capacity: 1, perTenant: 1 });
    const holder = gate.tryAcquire('x') as ReleaseSlot;
    const order: string[] = [];
    const wait = (tenant: string, name: string) =>
      gate.acquire(tenant, 60_000, undefined).then((outcome) => {
        order.push(name);
        return granted(outcome);
      });
    const waits = [wait('a', 'a1'), wait('a', 'a2'), wait('a', 'a3'), wait('b', 'b1'), wait('c', 'c1')];
    expect(gate.queued).toBe(5);
    holder();
    for (const expected of ['a1', 'b1', 'c1', 'a2', 'a3']) {
      const index = ['a1', 'a2', 'a3', 'b1', 'c1'].indexOf(expected);
      const release = await (waits[index] as Promise<ReleaseSlot>);
      expect(order.at(-1)).toBe(expected);
      release();
    }
    expect(gate.queued).toBe(0);
    expect(gate.inUse).toBe(0);
  });

  it('does not hand a freed slot to a tenant at its share while another tenant waits', async () => {
    const gate = new SlotGate({ capacity: 2, perTenant: 1 });
    const a = gate.tryAcquire('a') as ReleaseSlot;
    const b = gate.tryAcquire('b') as ReleaseSlot;
    const a2 = gate.acquire('a', 60_000, undefined);
    const c = gate.acquire('c', 60_000, undefined);
    b();
    granted(await c);
    expect(gate.queued).toBe(1);
    a();
    granted(await a2);
  });

  it('ends a wait at its timeout or at an abort, leaving the queue empty', async () => {
    const gate = new SlotGate({ capacity: 1, perTenant: 1 });
    const holder = gate.tryAcquire('a') as ReleaseSlot;
    expect(await gate.acquire('b', 5, undefined)).toBe('timeout');
    const signal = abortable();
    const waiting = gate.acquire('b', 60_000, signal);
    expect(gate.queued).toBe(1);
    signal.abort();
    expect(await waiting).toBe('aborted');
    expect(gate.queued).toBe(0);
    expect(await gate.acquire('b', 60_000, signal)).toBe('aborted');
    holder();
    expect(gate.inUse).toBe(0);
  });
});
