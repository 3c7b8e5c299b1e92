import type { RevocationChannel, RevocationListener, RevocationNotice } from '@tollgate/core';
import { Redis, type RedisOptions } from 'ioredis';
import { validateNamespace } from './namespace.js';

export const DEFAULT_REVOCATION_CHANNEL = 'tollgate:revocations';

export interface ReconnectOptions {
  /** Delay before the first reconnection attempt (ms). Default 50. */
  readonly initialDelayMs?: number;
  /** The delay doubles on every failed attempt up to this (ms), plus up to 10 % jitter. Default 2000. */
  readonly maxDelayMs?: number;
}

export interface RedisRevocationChannelOptions {
  /**
   * Where Redis is: a `redis://` or `rediss://` URL, or an ioredis client whose options (host,
   * TLS, credentials, db) are copied. Either way the channel opens two connections of its own, a
   * subscriber and a publisher, and never uses, reconfigures or closes a client you pass.
   */
  readonly redis: Redis | string;
  /**
   * The service's namespace in Redis: the channel is `<namespace>:revocations`. Every instance of
   * one service must use the same, and no other service on this Redis may: give
   * `redisNamespaceFor(store.identity)` (unique to the database) or a name of your own. Letters,
   * digits, `_`, `.` and `-` in segments joined by single `:`, at most 100 characters; anything else
   * throws a TypeError. Not with `channel`.
   *
   * Omitted (and no `channel`): `tollgate:revocations`, shared with every other Tollgate service on
   * this Redis that omits it too, so fit only for a Redis serving one service.
   */
  readonly namespace?: string;
  /**
   * The whole pub/sub channel name, when it must be exactly this one; `namespace` is the usual way.
   * Not with `namespace`.
   */
  readonly channel?: string;
  readonly reconnect?: ReconnectOptions;
  /** `publish` rejects when Redis has not acknowledged within this (ms). Default 1000. */
  readonly publishTimeoutMs?: number;
  /** `ready()` rejects when the channel is not up within this (ms), unless given its own. Default 5000. */
  readonly readyTimeoutMs?: number;
  /**
   * The subscriber connection is PINGed this often (ms); one still unanswered at the next tick
   * means the connection is dead (a silent partition sends no FIN or RST), so it is reported
   * disconnected and replaced. Default 1000; 0 turns it off (then only a closed socket, or TCP
   * keep-alive after minutes, tells).
   */
  readonly heartbeatIntervalMs?: number;
  /**
   * Connection errors, malformed messages on the channel, listener exceptions. Never given a
   * token. Default: ignored.
   */
  readonly onError?: (error: unknown) => void;
}

export interface RedisRevocationChannel extends RevocationChannel {
  /** The pub/sub channel it publishes and listens on, e.g. `tollgate:3f0c9e1a5b7d2468:revocations`. */
  readonly channelName: string;
  /**
   * Resolves once the channel is subscribed and the publisher connected (at once if it is now);
   * rejects after `timeoutMs` (default `readyTimeoutMs`) or when the channel is closed.
   */
  ready(timeoutMs?: number): Promise<void>;
  /** True while subscribed: every notice published from now on reaches the listeners. */
  readonly connected: boolean;
  /**
   * Closes both connections. Listeners still subscribed are told `disconnected()` (notices can no
   * longer arrive); later `publish` calls reject.
   */
  close(): Promise<void>;
}

const MAX_MESSAGE_LENGTH = 1024;
const MAX_ID_LENGTH = 128;
// Printable ASCII without spaces: what Tollgate's ids (UUIDs) are made of, with room to spare.
const ID_PATTERN = /^[\x21-\x7e]+$/;
const NOTICE_KEYS = ['expiresAt', 'id', 'kind'];
// A `user` notice carries the instant before which the user's credentials are refused.
const USER_NOTICE_KEYS = ['expiresAt', 'id', 'kind', 'revokedAt'];
const isInstant = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value > 0;

function isNotice(value: unknown): value is RevocationNotice {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { kind, id, expiresAt, revokedAt } = value as Record<string, unknown>;
  const expected = kind === 'user' ? USER_NOTICE_KEYS : NOTICE_KEYS;
  const keys = Object.keys(value).sort();
  if (keys.length !== expected.length || keys.some((key, i) => key !== expected[i])) return false;
  if (kind === 'user' && !isInstant(revokedAt)) return false;
  return (
    (kind === 'uat' || kind === 'family' || kind === 'session' || kind === 'user') &&
    typeof id === 'string' &&
    id.length > 0 &&
    id.length <= MAX_ID_LENGTH &&
    ID_PATTERN.test(id) &&
    typeof expiresAt === 'number' &&
    Number.isFinite(expiresAt) &&
    expiresAt > 0
  );
}

/** The notice in a channel message, or null for anything that is not exactly one. Never throws. */
export function parseRevocationNotice(message: string): RevocationNotice | null {
  if (message.length > MAX_MESSAGE_LENGTH) return null;
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return null;
  }
  if (!isNotice(value)) return null;
  const { kind, id, expiresAt } = value;
  // isNotice checked it: a user notice always carries its instant.
  const notice: RevocationNotice =
    kind === 'user' ? { kind, id, revokedAt: value.revokedAt as number, expiresAt } : { kind, id, expiresAt };
  return Object.freeze(notice);
}

/** The channel message of a notice; throws a TypeError for one a receiver would drop. */
export function serializeRevocationNotice(notice: RevocationNotice): string {
  const message = JSON.stringify(
    notice.kind === 'user'
      ? { kind: notice.kind, id: notice.id, revokedAt: notice.revokedAt, expiresAt: notice.expiresAt }
      : { kind: notice.kind, id: notice.id, expiresAt: notice.expiresAt },
  );
  if (parseRevocationNotice(message) === null) throw new TypeError('not a valid revocation notice');
  return message;
}

function positive(name: string, value: number, allowZero = false): number {
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !allowZero)) {
    throw new TypeError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number`);
  }
  return value;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * A `RevocationChannel` on Redis pub/sub: `publish` sends a notice to every instance subscribed to
 * the channel (~1 ms on loopback, plus a network round trip otherwise), and each instance's listener
 * hears of every connection loss, so
 * Tollgate refuses revocable credentials until it has re-read the store's revocation log.
 *
 * Redis pub/sub delivers at most once and keeps nothing for a disconnected subscriber: that is why
 * `connected()` is only called once the SUBSCRIBE is confirmed and `disconnected()` as soon as the
 * connection is lost; Tollgate closes the gap from the store's log, which stays the source of truth.
 */
export function createRedisRevocationChannel(options: RedisRevocationChannelOptions): RedisRevocationChannel {
  if (options.namespace !== undefined && options.channel !== undefined)
    throw new TypeError('give namespace or channel, not both');
  const channel =
    options.namespace !== undefined
      ? `${validateNamespace(options.namespace)}:revocations`
      : (options.channel ?? DEFAULT_REVOCATION_CHANNEL);
  if (typeof channel !== 'string' || channel.length === 0)
    throw new TypeError('channel must be a non-empty string');
  const initialDelayMs = positive('reconnect.initialDelayMs', options.reconnect?.initialDelayMs ?? 50);
  const maxDelayMs = positive('reconnect.maxDelayMs', options.reconnect?.maxDelayMs ?? 2000);
  const publishTimeoutMs = positive('publishTimeoutMs', options.publishTimeoutMs ?? 1000);
  const readyTimeoutMs = positive('readyTimeoutMs', options.readyTimeoutMs ?? 5000);
  const heartbeatIntervalMs = positive('heartbeatIntervalMs', options.heartbeatIntervalMs ?? 1000, true);
  const onError = options.onError ?? (() => {});
  const report = (error: unknown): void => {
    try {
      onError(error);
    } catch {
      // A failing error handler must not break the channel.
    }
  };

  let closed = false;
  const connection = {
    lazyConnect: false,
    // Fail fast: a command sent while the connection is down rejects at once instead of waiting in
    // a queue, and one in flight when it drops rejects instead of being resent later.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // Resubscribing is done here, to know when the SUBSCRIBE is confirmed.
    autoResubscribe: false,
    // Not inherited from a client passed in: liveness is the heartbeat's business (a PING timing out
    // would otherwise look like an answer, and an idle subscriber like a dead socket).
    commandTimeout: undefined,
    socketTimeout: undefined,
    retryStrategy: (attempt: number) => {
      if (closed) return null;
      const delay = Math.min(initialDelayMs * 2 ** Math.min(attempt - 1, 30), maxDelayMs);
      return Math.round(delay * (1 + Math.random() * 0.1));
    },
  } satisfies RedisOptions;
  const open = (overrides: { commandTimeout?: number }): Redis =>
    typeof options.redis === 'string'
      ? new Redis(options.redis, { ...connection, ...overrides })
      : options.redis.duplicate({ ...connection, ...overrides, monitor: false });
  const subscriber = open({});
  const publisher = open({ commandTimeout: publishTimeoutMs });
  subscriber.on('error', report);
  publisher.on('error', report);

  const listeners = new Set<{ readonly listener: RevocationListener }>();
  const waiters = new Set<Waiter>();
  let subscribed = false;
  // Bumped whenever the subscriber connection closes: replies from an older connection are stale.
  let generation = 0;
  let heartbeat: NodeJS.Timeout | undefined;

  const each = (call: (listener: RevocationListener) => void): void => {
    for (const entry of [...listeners]) {
      try {
        call(entry.listener);
      } catch (error) {
        report(error);
      }
    }
  };

  const operational = (): boolean => !closed && subscribed && publisher.status === 'ready';
  const settleWaiters = (): void => {
    if (!operational()) return;
    for (const waiter of waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve();
    }
    waiters.clear();
  };

  const markSubscribed = (): void => {
    if (subscribed || closed) return;
    subscribed = true;
    each((listener) => listener.connected());
    settleWaiters();
  };
  const markLost = (): void => {
    if (!subscribed) return;
    subscribed = false;
    each((listener) => listener.disconnected());
  };

  const stopHeartbeat = (): void => {
    clearInterval(heartbeat);
    heartbeat = undefined;
  };
  // Replaces a connection that stopped answering: reported lost now, reconnected by ioredis.
  const abandon = (reason: Error): void => {
    report(reason);
    stopHeartbeat();
    markLost();
    subscriber.stream?.destroy();
  };
  const startHeartbeat = (): void => {
    stopHeartbeat();
    if (heartbeatIntervalMs === 0) return;
    const current = generation;
    let pending = false;
    heartbeat = setInterval(() => {
      if (current !== generation) return stopHeartbeat();
      if (pending) {
        abandon(new Error(`Redis did not answer a PING within ${heartbeatIntervalMs} ms`));
        return;
      }
      pending = true;
      const answered = () => {
        pending = false;
      };
      subscriber.ping().then(answered, () => {
        // Refused on a live connection (an ACL without PING, say): the server answered all the same.
        // Refused because the connection closed: the 'close' event reports that.
        if (current === generation && subscriber.status === 'ready') answered();
      });
    }, heartbeatIntervalMs);
    heartbeat.unref();
  };

  subscriber.on('ready', () => {
    // Events are emitted on the next tick: the connection may be gone already.
    if (closed || subscriber.status !== 'ready') return;
    const current = generation;
    startHeartbeat();
    subscriber.subscribe(channel).then(
      () => {
        if (current === generation && subscriber.status === 'ready') markSubscribed();
      },
      (error: unknown) => {
        if (current !== generation || subscriber.status !== 'ready') return;
        abandon(new Error('SUBSCRIBE failed', { cause: error }));
      },
    );
  });
  subscriber.on('close', () => {
    generation += 1;
    stopHeartbeat();
    markLost();
  });
  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    const notice = parseRevocationNotice(message);
    if (notice === null) {
      report(new Error(`ignored a malformed message on the revocation channel ${channel}`));
      return;
    }
    each((listener) => listener.revoked(notice));
  });
  publisher.on('ready', settleWaiters);

  return {
    channelName: channel,

    get connected() {
      return subscribed && !closed;
    },

    async publish(notice) {
      if (closed) throw new Error('the revocation channel is closed');
      await publisher.publish(channel, serializeRevocationNotice(notice));
    },

    subscribe(listener) {
      const entry = { listener };
      listeners.add(entry);
      if (subscribed && !closed) listener.connected();
      return () => {
        listeners.delete(entry);
      };
    },

    ready(timeoutMs = readyTimeoutMs) {
      if (closed) return Promise.reject(new Error('the revocation channel is closed'));
      if (operational()) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const waiter: Waiter = {
          resolve,
          reject,
          timer: setTimeout(() => {
            waiters.delete(waiter);
            reject(new Error(`the revocation channel did not connect to Redis within ${timeoutMs} ms`));
          }, timeoutMs),
        };
        waiters.add(waiter);
      });
    },

    async close() {
      if (closed) return;
      closed = true;
      stopHeartbeat();
      for (const waiter of waiters) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error('the revocation channel is closed'));
      }
      waiters.clear();
      markLost();
      listeners.clear();
      await Promise.all([shut(subscriber), shut(publisher)]);
    },
  };
}

/** Disconnects without waiting for replies; resolves once the socket is closed (or none is open). */
function shut(redis: Redis): Promise<void> {
  const live = redis.status === 'connecting' || redis.status === 'connect' || redis.status === 'ready';
  const ended = live ? new Promise<void>((resolve) => redis.once('end', () => resolve())) : Promise.resolve();
  redis.disconnect();
  // disconnect() half-closes and waits up to 2 s for the server's FIN, which a dead peer never sends.
  redis.stream?.destroy();
  return ended;
}
