/**
 * @module What a 2025-era session holds on the instance serving it: its streams (each response stream and its
 * server-to-client GET stream number their events and keep the recent ones, so a client can resume with
 * `Last-Event-ID`, MCP 2025-11-25 transports §Resumability), the server-to-client requests awaiting the client's
 * answer, the calls it may cancel,
 * its resource subscriptions and log level. The session id itself is sealed and valid on every instance; this
 * state is created on first use where a request lands, so resumption and answers to server-to-client requests
 * need the client to come back to the same instance (sticky sessions), which plain requests do not.
 */

import type { JsonObject, RequestId } from '../wire.ts';
import type { SseStream } from './exchange.ts';

/** Events kept per stream for resumption; a client that falls further behind starts over. */
const REPLAY_LIMIT = 256;
/**
 * The shape of every event id the gateway mints (`s<stream>_<seq>`); anything else in `Last-Event-ID` did not come
 * from here. Stream numbers are unique on the instance, not just in the session, so another session's id never
 * names one of this session's streams.
 */
const EVENT_ID = /^s(\d{1,15})_(\d{1,15})$/;

export function isEventId(value: string): boolean {
  return EVENT_ID.test(value);
}
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

  /**
   * Makes `stream` the connection events go to. One it replaces is left open and idle rather than ended: an SDK
   * client reconnects when its stream ends, and two readers of one stream would then take it from each other forever.
   */
  attach(stream: SseStream): void {
    this.live = stream;
    stream.onClose(() => {
      if (this.live === stream) this.live = null;
    });
  }

  /** Whether every event after `seq` is still kept (a client further behind has lost some and starts over). */
  holdsAfter(seq: number): boolean {
    const oldest = this.events[0]?.seq ?? this.seq + 1;
    return seq >= oldest - 1 && seq <= this.seq;
  }

  /** Writes what came after `seq` to a new live stream (a client reconnecting with `Last-Event-ID`). */
  resume(stream: SseStream, afterSeq: number): void {
    this.attach(stream);
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
  /**
   * The server-to-client stream of the session's latest GET: list changes and resource updates go here, and are
   * kept while the client is away (it reconnects with `Last-Event-ID`). One stream, since the transport sends each
   * message on only one of the client's streams.
   */
  serverStream: ResumableStream | null = null;
  readonly pendingAsks = new Map<string, PendingAsk>();
  readonly inFlight = new Map<string, AbortController>();
  /** Exposed URI → the upstream (server, uri) it was subscribed as. */
  readonly subscriptions = new Map<string, { server: string; uri: string }>();
  logLevel: string | null = null;
  lastSeen = Date.now();
  private readonly streamNumber: () => number;
  private nextAsk = 0;
  /** Drops the session's catalog listener once it has none of its own left. */
  detach: (() => void) | null = null;

  constructor(streamNumber: () => number) {
    this.streamNumber = streamNumber;
  }

  newStream(): ResumableStream {
    const stream = new ResumableStream(`s${this.streamNumber()}`);
    this.streams.set(stream.id, stream);
    return stream;
  }

  /**
   * A GET without a resumable `Last-Event-ID`: a new server stream takes over from the session's previous one, whose
   * connection, if still open, stays open and idle (ending it would make its client reconnect).
   */
  openServerStream(): ResumableStream {
    this.serverStream = this.newStream();
    return this.serverStream;
  }

  get listening(): boolean {
    return this.serverStream?.live != null;
  }

  newAskId(): string {
    this.nextAsk += 1;
    return `gatehouse-${this.nextAsk}`;
  }

  /** The session's own stream and position a `Last-Event-ID` names, if this instance still holds what follows. */
  locate(lastEventId: string): { stream: ResumableStream; seq: number } | null {
    const match = EVENT_ID.exec(lastEventId);
    if (match === null) return null;
    const stream = this.streams.get(`s${match[1]}`);
    const seq = Number(match[2]);
    return stream?.holdsAfter(seq) ? { stream, seq } : null;
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
  private streams = 0;
  private readonly streamNumber = () => ++this.streams;

  isEnded(id: string): boolean {
    return this.ended.has(id);
  }

  get(id: string): LegacySessionState {
    this.prune();
    let state = this.sessions.get(id);
    if (!state) {
      state = new LegacySessionState(this.streamNumber);
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
      if (state.lastSeen < cutoff && !state.listening && state.inFlight.size === 0) this.forget(id);
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
