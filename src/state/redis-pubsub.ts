/**
 * @module Pub/sub for the Redis backend: cache invalidation fan-out across instances (DESIGN §2.3,
 * revocation within 1 s). A connection in subscribe mode cannot run other commands, so subscriptions
 * get their own connection, opened on first use. Redis pub/sub is at-most-once: after a reconnect,
 * ioredis re-subscribes by itself and `onResync` tells each subscriber to reload what it caches.
 */
import type { Redis } from 'ioredis';
import { createReadyGate, type RedisConnectionTuning, toUnavailable } from './redis-connection.ts';
import type { MessageHandler, SubscribeOptions, Unsubscribe } from './shared-state.ts';

export interface RedisPubSub {
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, handler: MessageHandler, options?: SubscribeOptions): Promise<Unsubscribe>;
  close(): Promise<void>;
}

interface Subscriber {
  handler: MessageHandler;
  onResync: (() => void) | undefined;
}

interface ChannelRecord {
  subscribers: Set<Subscriber>;
  subscribed: Promise<void>;
}

function reportWarning(error: unknown): void {
  process.emitWarning(error instanceof Error ? error : String(error), 'GatehouseSubscriberWarning');
}

export function createRedisPubSub(
  client: Redis,
  prefix: string,
  tuning: RedisConnectionTuning,
  onError: (error: unknown) => void = reportWarning,
): RedisPubSub {
  const channels = new Map<string, ChannelRecord>();
  let connection: Redis | null = null;
  let ensureReady: (() => Promise<void>) | null = null;

  function invoke(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      onError(error);
    }
  }

  function onMessage(channel: string, message: string): void {
    const record = channels.get(channel);
    if (record === undefined) return;
    for (const subscriber of record.subscribers) invoke(() => subscriber.handler(message));
  }

  function open(): { connection: Redis; ensureReady: () => Promise<void> } {
    if (connection !== null && ensureReady !== null) return { connection, ensureReady };
    const opened = client.duplicate();
    let readyBefore = false;
    opened.on('error', () => {});
    opened.on('message', onMessage);
    opened.on('ready', () => {
      if (readyBefore) {
        for (const record of channels.values()) {
          for (const subscriber of record.subscribers) {
            const resync = subscriber.onResync;
            if (resync !== undefined) invoke(resync);
          }
        }
      }
      readyBefore = true;
    });
    connection = opened;
    ensureReady = createReadyGate(opened, tuning.connectTimeoutMs);
    return { connection: opened, ensureReady };
  }

  async function subscribe(channel: string, handler: MessageHandler, options?: SubscribeOptions): Promise<Unsubscribe> {
    const name = `${prefix}ch:${channel}`;
    const link = open();
    let record = channels.get(name);
    if (record === undefined) {
      const created: ChannelRecord = {
        subscribers: new Set(),
        subscribed: link.ensureReady().then(async () => {
          await link.connection.subscribe(name);
        }),
      };
      created.subscribed.catch(() => {
        if (channels.get(name) === created) channels.delete(name);
      });
      channels.set(name, created);
      record = created;
    }
    const subscriber: Subscriber = { handler, onResync: options?.onResync };
    record.subscribers.add(subscriber);
    try {
      await record.subscribed;
    } catch (error) {
      record.subscribers.delete(subscriber);
      throw toUnavailable(error);
    }
    const owner = record;
    return async function unsubscribe(): Promise<void> {
      owner.subscribers.delete(subscriber);
      if (owner.subscribers.size > 0 || channels.get(name) !== owner) return;
      channels.delete(name);
      // If Redis is down the channel stays subscribed server-side until reconnect; with no
      // subscribers left, its messages are dropped in onMessage.
      await link.connection.unsubscribe(name).catch(() => {});
    };
  }

  async function publish(channel: string, message: string): Promise<void> {
    await client.publish(`${prefix}ch:${channel}`, message);
  }

  async function close(): Promise<void> {
    channels.clear();
    const opened = connection;
    connection = null;
    ensureReady = null;
    if (opened === null) return;
    if (opened.status === 'ready') await opened.quit().catch(() => opened.disconnect());
    else opened.disconnect();
  }

  return { publish, subscribe, close };
}
