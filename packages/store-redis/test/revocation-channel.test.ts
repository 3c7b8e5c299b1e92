/**
 * The channel on its own, against the real Redis: delivery, the connected/disconnected signals
 * (through a TCP proxy that is cut or frozen), fail-fast publishing, malformed messages, close.
 */
import { randomUUID } from 'node:crypto';
import type { RevocationNotice } from '@tollgate/core';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  createRedisRevocationChannel,
  parseRevocationNotice,
  serializeRevocationNotice,
} from '../src/index.js';
import {
  channel,
  connected,
  REDIS_URL,
  recorder,
  redisClient,
  redisProxy,
  sleep,
  unique,
  waitFor,
} from './helpers.js';

const notice = (id = randomUUID()): RevocationNotice => ({ kind: 'uat', id, expiresAt: Date.now() + 60_000 });

describe('createRedisRevocationChannel', () => {
  it('delivers a published notice to every instance on the channel, the publisher included', async () => {
    const name = unique('channel');
    const [a, b] = [
      channel({ redis: REDIS_URL, channel: name }),
      channel({ redis: REDIS_URL, channel: name }),
    ];
    const [la, lb] = [recorder(), recorder()];
    a.subscribe(la);
    b.subscribe(lb);
    await Promise.all([a.ready(), b.ready()]);
    const sent = notice();
    await a.publish(sent);
    await waitFor(() => la.notices.length === 1 && lb.notices.length === 1);
    expect(lb.notices).toEqual([sent]);
    expect(la.notices).toEqual([sent]);
    // Another channel name is another deployment: it hears nothing.
    const other = channel({ redis: REDIS_URL, channel: unique('channel') });
    const lo = recorder();
    other.subscribe(lo);
    await other.ready();
    await a.publish(notice());
    await waitFor(() => lb.notices.length === 2);
    expect(lo.notices).toEqual([]);
  });

  it('calls connected() only once the SUBSCRIBE is confirmed, and at once for a listener that subscribes later', async () => {
    const name = unique('channel');
    const admin = redisClient();
    const ch = channel({ redis: REDIS_URL, channel: name });
    const early = recorder();
    ch.subscribe(early);
    expect(early.events).toEqual([]);
    expect(ch.connected).toBe(false);
    await waitFor(() => early.events.length > 0);
    // By the time connected() is called, Redis counts the subscriber.
    expect(early.events).toEqual(['connected']);
    expect(await admin.publish(name, serializeRevocationNotice(notice()))).toBe(1);

    const late = recorder();
    const unsubscribe = ch.subscribe(late);
    expect(late.events).toEqual(['connected']); // before subscribe() returned
    unsubscribe();
    unsubscribe(); // idempotent
    await admin.publish(name, serializeRevocationNotice(notice()));
    await waitFor(() => early.notices.length === 2);
    expect(late.notices).toEqual([]);
  });

  it('reports disconnected() as soon as the connection is cut, refuses to publish meanwhile, and reconnects', async () => {
    const proxy = await redisProxy();
    const name = unique('channel');
    const admin = redisClient();
    const ch = channel({ redis: proxy.url, channel: name });
    const listener = recorder();
    ch.subscribe(listener);
    await ch.ready();

    proxy.cut();
    const lostAfterMs = await waitFor(() => listener.events.length === 2, 1000, 'disconnected()');
    expect(listener.events).toEqual(['connected', 'disconnected']);
    expect(lostAfterMs).toBeLessThan(50);
    expect(ch.connected).toBe(false);

    // No offline queue: rejects at once, never waits for Redis to come back.
    const started = performance.now();
    await expect(ch.publish(notice())).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(100);

    // Reconnection attempts are refused: no connected() until the SUBSCRIBE is confirmed again.
    await sleep(200);
    expect(listener.events).toEqual(['connected', 'disconnected']);
    await expect(ch.ready(100)).rejects.toThrow(/within 100 ms/);

    proxy.restore();
    await ch.ready(2000);
    expect(listener.events).toEqual(['connected', 'disconnected', 'connected']);
    expect(await admin.publish(name, serializeRevocationNotice(notice()))).toBe(1);
    await waitFor(() => listener.notices.length === 1);
    await ch.publish(notice());
    await waitFor(() => listener.notices.length === 2);
  });

  it('treats a connection that stops answering (a silent partition) as lost within two heartbeats', async () => {
    const proxy = await redisProxy();
    const errors: unknown[] = [];
    const ch = channel({
      redis: proxy.url,
      channel: unique('channel'),
      heartbeatIntervalMs: 100,
      publishTimeoutMs: 200,
      onError: (error) => errors.push(error),
    });
    const listener = recorder();
    ch.subscribe(listener);
    await ch.ready();

    proxy.freeze(); // no FIN, no RST: only the heartbeat can tell
    const publishing = performance.now();
    await expect(ch.publish(notice())).rejects.toThrow(/timed out/i);
    expect(performance.now() - publishing).toBeLessThan(400);
    await waitFor(() => listener.events.length === 2, 1000, 'disconnected()');
    expect(listener.events).toEqual(['connected', 'disconnected']);
    expect(errors.some((error) => /PING/.test(String(error)))).toBe(true);

    proxy.restore();
    await ch.ready(2000);
    expect(listener.events).toEqual(['connected', 'disconnected', 'connected']);
    await ch.publish(notice());
    await waitFor(() => listener.notices.length === 1);
  });

  it('detects a silent partition even from a client with a short commandTimeout of its own', async () => {
    const proxy = await redisProxy();
    const client = redisClient(proxy.url, { commandTimeout: 10 });
    const ch = channel({ redis: client, channel: unique('channel'), heartbeatIntervalMs: 100 });
    const listener = recorder();
    ch.subscribe(listener);
    await ch.ready();
    await sleep(150); // the inherited timeout must not touch the heartbeat's PINGs...
    expect(listener.events).toEqual(['connected']);
    proxy.freeze(); // ...so a PING that times out is not taken for an answer
    await waitFor(() => listener.events.length === 2, 1000, 'disconnected()');
    proxy.restore();
    await ch.ready(2000);
  });

  it('stays connected when the server refuses PING (an ACL without it): a refusal is an answer', async () => {
    const admin = redisClient();
    const user = `tollgate-test-${randomUUID()}`;
    await admin.acl('SETUSER', user, 'on', 'nopass', '~*', '&*', '+@all', '-ping');
    onTestFinished(async () => {
      await admin.acl('DELUSER', user);
    });
    const url = new URL(REDIS_URL);
    url.username = user;
    url.password = 'unused';
    const errors: unknown[] = [];
    const ch = channel({
      redis: url.href,
      channel: unique('channel'),
      heartbeatIntervalMs: 20,
      onError: (e) => errors.push(e),
    });
    const listener = recorder();
    ch.subscribe(listener);
    await ch.ready();
    await sleep(200);
    expect(listener.events).toEqual(['connected']);
    expect(errors).toEqual([]);
    await ch.publish(notice());
    await waitFor(() => listener.notices.length === 1);
  });

  it('ignores and reports anything on the channel that is not exactly a notice, and keeps delivering', async () => {
    const name = unique('channel');
    const admin = redisClient();
    const errors: unknown[] = [];
    const ch = channel({ redis: REDIS_URL, channel: name, onError: (error) => errors.push(error) });
    const listener = recorder();
    ch.subscribe(listener);
    await ch.ready();
    const valid = notice();
    const garbage: (string | Buffer)[] = [
      '',
      'not json',
      '{',
      'null',
      '[]',
      '42',
      '"uat"',
      '{}',
      JSON.stringify([valid]),
      JSON.stringify({ kind: 'uat', id: valid.id }),
      JSON.stringify({ ...valid, kind: 'device' }),
      JSON.stringify({ ...valid, kind: 'UAT' }),
      // A user notice needs its instant; any other kind must not carry one.
      JSON.stringify({ ...valid, kind: 'user' }),
      JSON.stringify({ ...valid, kind: 'user', revokedAt: -1 }),
      JSON.stringify({ ...valid, kind: 'session', revokedAt: 5 }),
      JSON.stringify({ ...valid, id: '' }),
      JSON.stringify({ ...valid, id: 'has space' }),
      JSON.stringify({ ...valid, id: 'x'.repeat(129) }),
      JSON.stringify({ ...valid, id: 42 }),
      JSON.stringify({ ...valid, expiresAt: String(valid.expiresAt) }),
      JSON.stringify({ ...valid, expiresAt: -1 }),
      JSON.stringify({ ...valid, expiresAt: null }),
      JSON.stringify({ ...valid, extra: true }),
      `{"__proto__":{"polluted":1},"kind":"uat","id":"x","expiresAt":1}`,
      JSON.stringify(valid).replace('{', `{${' '.repeat(1100)}`),
      Buffer.from([0xff, 0xfe, 0x00, 0x7b]),
    ];
    for (const message of garbage) await admin.publish(name, message);
    await admin.publish(name, serializeRevocationNotice(valid));
    await waitFor(() => listener.notices.length === 1);
    expect(listener.notices).toEqual([valid]);
    expect(errors).toHaveLength(garbage.length);
    expect(listener.events).toEqual(['connected']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps notifying the other listeners when one throws, and reports the exception', async () => {
    const errors: unknown[] = [];
    const ch = channel({
      redis: REDIS_URL,
      channel: unique('channel'),
      onError: (error) => errors.push(error),
    });
    ch.subscribe({
      revoked: () => {
        throw new Error('listener bug');
      },
      connected: () => {
        throw new Error('listener bug');
      },
      disconnected: () => {},
    });
    const listener = recorder();
    ch.subscribe(listener);
    await ch.ready();
    await ch.publish(notice());
    await waitFor(() => listener.notices.length === 1);
    expect(errors.map(String)).toEqual(['Error: listener bug', 'Error: listener bug']);
  });

  it('ready() rejects after its timeout while Redis is unreachable; close() rejects a pending ready() and later publishes', async () => {
    const proxy = await redisProxy();
    proxy.cut();
    const ch = channel({ redis: proxy.url, channel: unique('channel') });
    const started = performance.now();
    await expect(ch.ready(200)).rejects.toThrow(
      'the revocation channel did not connect to Redis within 200 ms',
    );
    expect(performance.now() - started).toBeLessThan(400);
    // Its rejection is expected before close() is awaited: close() rejects it at once, and may take
    // an I/O turn to end its connections, which would leave the rejection unhandled meanwhile.
    const pending = expect(ch.ready(5000)).rejects.toThrow(/closed/);
    await ch.close();
    await pending;
    await expect(ch.ready()).rejects.toThrow(/closed/);
    await expect(ch.publish(notice())).rejects.toThrow(/closed/);
  });

  it('close() tells subscribed listeners disconnected() and ends its own connections, not the client passed in', async () => {
    const name = unique('channel');
    const admin = redisClient();
    const client = await connected(redisClient());
    const ch = createRedisRevocationChannel({ redis: client, channel: name });
    const listener = recorder();
    ch.subscribe(listener);
    await ch.ready();
    expect(await admin.pubsub('NUMSUB', name)).toEqual([name, 1]);
    await ch.close();
    await ch.close(); // idempotent
    expect(listener.events).toEqual(['connected', 'disconnected']);
    // Our socket is closed once close() resolves; the server drops the subscription when it reads
    // that close, which on a busy machine can be a moment later.
    let subscribers = -1;
    const started = performance.now();
    while (subscribers !== 0 && performance.now() - started < 5000) {
      subscribers = ((await admin.pubsub('NUMSUB', name)) as [string, number])[1];
    }
    expect(subscribers).toBe(0);
    expect(client.status).toBe('ready');
    expect(await client.ping()).toBe('PONG');
  });

  it('works from a RESP2 client, heartbeat included (PING in subscriber mode)', async () => {
    const client = redisClient(REDIS_URL, { protocol: 2 });
    const ch = channel({ redis: client, channel: unique('channel'), heartbeatIntervalMs: 20 });
    const listener = recorder();
    ch.subscribe(listener);
    await ch.ready();
    await sleep(200); // ten heartbeats
    expect(listener.events).toEqual(['connected']);
    const sent = notice();
    await ch.publish(sent);
    await waitFor(() => listener.notices.length === 1);
    expect(listener.notices).toEqual([sent]);
  });

  it('rejects a notice its receivers would drop, and options that make no sense', async () => {
    const ch = channel({ redis: REDIS_URL, channel: unique('channel') });
    await ch.ready();
    await expect(ch.publish({ ...notice(), kind: 'device' } as unknown as RevocationNotice)).rejects.toThrow(
      TypeError,
    );
    // A user notice without its instant could not be honoured exactly.
    await expect(ch.publish({ ...notice(), kind: 'user' })).rejects.toThrow(TypeError);
    await expect(ch.publish({ ...notice(), expiresAt: Number.NaN })).rejects.toThrow(TypeError);
    expect(() => createRedisRevocationChannel({ redis: REDIS_URL, channel: '' })).toThrow(TypeError);
    expect(() => createRedisRevocationChannel({ redis: REDIS_URL, publishTimeoutMs: 0 })).toThrow(TypeError);
    expect(() => createRedisRevocationChannel({ redis: REDIS_URL, reconnect: { maxDelayMs: -1 } })).toThrow(
      TypeError,
    );
  });
});

describe('user and session notices', () => {
  it('carries a user notice with its instant, and a session notice, through the channel', async () => {
    const name = unique('channel');
    const ch = channel({ redis: REDIS_URL, channel: name });
    const listener = recorder();
    ch.subscribe(listener);
    await ch.ready();
    const user = { kind: 'user' as const, id: 'u-1', revokedAt: 1767225600123, expiresAt: 1767229200000 };
    const session = { kind: 'session' as const, id: 's-1', expiresAt: 1767229200000 };
    await ch.publish(user);
    await ch.publish(session);
    await waitFor(() => listener.notices.length === 2);
    expect(listener.notices).toEqual([user, session]);
    await ch.close();
  });
});

describe('parseRevocationNotice', () => {
  it('returns a copy of exactly the three fields, and null (never a throw) for anything else', () => {
    expect(parseRevocationNotice('{"kind":"family","id":"f-1","expiresAt":1767225600000}')).toEqual({
      kind: 'family',
      id: 'f-1',
      expiresAt: 1767225600000,
    });
    expect(Object.isFrozen(parseRevocationNotice('{"expiresAt":5,"id":"u","kind":"uat"}'))).toBe(true);
    for (const message of [
      '',
      '{"kind":"uat","id":"u","expiresAt":1e999}',
      '{"kind":"uat","id":"u","expiresAt":0}',
    ]) {
      expect(parseRevocationNotice(message)).toBeNull();
    }
  });
});
