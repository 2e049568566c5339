/**
 * @module What a 2025-era session holds on the instance serving it: its response streams (each event numbered,
 * the recent ones kept so a client can resume with `Last-Event-ID`, MCP 2025-11-25 transports §Resumability),
 * its standalone GET streams, the server-to-client requests awaiting the client's answer, the calls it may cancel,
 * its resource subscriptions and log level. The session id itself is sealed and valid on every instance; this
 * state is created on first use where a request lands, so resumption and answers to server-to-client requests
 * need the client to come back to the same instance (sticky sessions), which plain requests do not.
 */

import type { JsonObject, RequestId } from '../wire.ts';
import type { SseStream } from './exchange.ts';

/** Events kept per stream for resumption; a client that falls further behind starts over. */
const REPLAY_LIMIT = 256;
/** A session untouched this long (no request, no open stream) is forgotten. */
const IDLE_MS = 30 * 60_000;

export class ResumableStream {
  readonly id: string;
  private readonly events: Array<{ seq: number; message: JsonObject }> = [];
  private seq = 0;
  live: SseStream | null = null;
  finished = false;

  constructor(id: string) {
    this.id = id;
  }

  eventId(seq: number): string {
    return `${this.id}_${seq}`;
  }

  /** Numbers the message, keeps it for replay and writes it to the live stream if there is one. */
  push(message: JsonObject): void {
    this.seq += 1;
    this.events.push({ seq: this.seq, message });
    if (this.events.length > REPLAY_LIMIT) this.events.shift();
    this.live?.send(message, this.eventId(this.seq));
  }

  /** Writes what came after `seq` to a new live stream (a client reconnecting with `Last-Event-ID`). */
  resume(stream: SseStream, afterSeq: number): void {
    this.live = stream;
    for (const event of this.events) if (event.seq > afterSeq) stream.send(event.message, this.eventId(event.seq));
    if (this.finished) stream.end();
  }

  finish(): void {
    this.finished = true;
    this.live?.end();
  }
}

export interface PendingAsk {
  resolve(message: JsonObject): void;
  reject(error: Error): void;
}

export class LegacySessionState {
  readonly streams = new Map<string, ResumableStream>();
  readonly standalone = new Set<SseStream>();
  readonly pendingAsks = new Map<string, PendingAsk>();
  readonly inFlight = new Map<string, AbortController>();
  /** Exposed URI → the upstream (server, uri) it was subscribed as. */
  readonly subscriptions = new Map<string, { server: string; uri: string }>();
  logLevel: string | null = null;
  lastSeen = Date.now();
  private nextStream = 0;
  private nextAsk = 0;
  /** Drops the session's catalog listener once it has none of its own left. */
  detach: (() => void) | null = null;

  newStream(): ResumableStream {
    this.nextStream += 1;
    const stream = new ResumableStream(`s${this.nextStream}`);
    this.streams.set(stream.id, stream);
    return stream;
  }

  newAskId(): string {
    this.nextAsk += 1;
    return `gatehouse-${this.nextAsk}`;
  }

  /** The stream and position a `Last-Event-ID` names, if this instance still has them. */
  locate(lastEventId: string): { stream: ResumableStream; seq: number } | null {
    const cut = lastEventId.lastIndexOf('_');
    if (cut <= 0) return null;
    const stream = this.streams.get(lastEventId.slice(0, cut));
    const seq = Number(lastEventId.slice(cut + 1));
    return stream && Number.isInteger(seq) ? { stream, seq } : null;
  }

  static requestKey(id: RequestId): string {
    return typeof id === 'number' ? `n:${id}` : `s:${id}`;
  }
}

/** Ended session ids remembered for their remaining lifetime (sealed ids are valid until they expire). */
const ENDED_LIMIT = 100_000;

export class LegacySessions {
  private readonly sessions = new Map<string, LegacySessionState>();
  /** A DELETEd session answers 404 afterwards (transports §Session Management), on the instance that ended it. */
  private readonly ended = new Map<string, number>();

  isEnded(id: string): boolean {
    return this.ended.has(id);
  }

  get(id: string): LegacySessionState {
    this.prune();
    let state = this.sessions.get(id);
    if (!state) {
      state = new LegacySessionState();
      this.sessions.set(id, state);
    }
    state.lastSeen = Date.now();
    return state;
  }

  end(id: string): LegacySessionState | undefined {
    this.ended.set(id, Date.now());
    if (this.ended.size > ENDED_LIMIT) {
      const oldest = this.ended.keys().next().value;
      if (oldest !== undefined) this.ended.delete(oldest);
    }
    const state = this.sessions.get(id);
    this.sessions.delete(id);
    if (state) {
      for (const stream of state.standalone) stream.end();
      for (const stream of state.streams.values()) stream.finish();
      for (const pending of state.pendingAsks.values()) pending.reject(new Error('session ended'));
      for (const call of state.inFlight.values()) call.abort();
      state.detach?.();
    }
    return state;
  }

  private prune(): void {
    const cutoff = Date.now() - IDLE_MS;
    for (const [id, state] of this.sessions) {
      if (state.lastSeen < cutoff && state.standalone.size === 0 && state.inFlight.size === 0) this.forget(id);
    }
  }

  /** Drops an idle session's state; the session itself stays valid (its next request starts fresh state). */
  private forget(id: string): void {
    const state = this.sessions.get(id);
    this.sessions.delete(id);
    state?.detach?.();
  }

  close(): void {
    for (const id of [...this.sessions.keys()]) this.end(id);
  }
}
