/**
 * Two Tollgate instances in one process, as two app instances: one memory TokenStore and user
 * directory shared, each with its own channel and Redis connections (B's through a TCP proxy).
 * The fake clock never moves unless a test says so, so B's revocation log is never polled behind
 * the channel's back: what B learns, it learns from Redis (or from the log on reconnection).
 */

import type { Principal, RequestCredentials, Tollgate } from '@tollgate/core';
import { describe, expect, it } from 'vitest';
import {
  ACCOUNTS,
  channel,
  DAY,
  outcome,
  REDIS_URL,
  redisClient,
  redisProxy,
  rejectsWith,
  sharedStores,
  sleep,
  unique,
  waitFor,
} from './helpers.js';

/** The principal `authenticate` accepts synchronously (from what it already knows), else undefined. */
function acceptedNow(tollgate: Tollgate, request: RequestCredentials): Principal | undefined {
  const result = tollgate.authenticate(request);
  return result instanceof Promise || !result.ok ? undefined : result.principal;
}

const NOTICE_BOUND_MS = 100;

/**
 * The bound holds for the median of several revocations: on a machine whose two cores are shared
 * with other work, one sample measures the scheduler as much as the channel (206 ms was seen for
 * one at load 8). A channel that does not deliver fails every sample (waitFor gives up at 1 s).
 */
function expectWithinBound(latencies: number[], what: string): void {
  latencies.sort((x, y) => x - y);
  const [median, max] = [latencies[latencies.length >> 1]!, latencies[latencies.length - 1]!];
  console.info(
    `${what} -> refused on B: median ${median.toFixed(2)} ms, max ${max.toFixed(2)} ms (${latencies.length} revocations)`,
  );
  expect(median).toBeLessThan(NOTICE_BOUND_MS);
}

async function twoInstances() {
  const shared = await sharedStores();
  const proxy = await redisProxy();
  const name = unique('revocations');
  const channelA = channel({ redis: REDIS_URL, channel: name });
  const channelB = channel({ redis: proxy.url, channel: name });
  const a = shared.instance({ revocationChannel: channelA });
  const b = shared.instance({ revocationChannel: channelB });
  await Promise.all([channelA.ready(), channelB.ready()]);
  const { token } = await a.accessTokens.login(ACCOUNTS.ethan);
  const caller = await a.requirePrincipal({ authorization: `Bearer ${token}` });
  const newUat = async () => {
    const created = await a.uats.create({
      caller,
      name: 'ci',
      expiresAt: new Date(shared.clock.now() + 30 * DAY),
      permissions: ['brand_create'],
    });
    return { id: created.id, header: { authorization: `UAT ${created.token}` } };
  };
  return { ...shared, name, proxy, channelA, channelB, a, b, caller, newUat };
}

describe('revocations across instances through Redis', () => {
  it(`refuses on B a UAT revoked on A, though B had it cached, within ${NOTICE_BOUND_MS} ms`, async () => {
    const t = await twoInstances();
    // The same deployment without a channel: its cache would keep accepting until the next log sync.
    const control = t.instance();
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const uat = await t.newUat();
      await expect(t.b.requirePrincipal(uat.header)).resolves.toMatchObject({ tokenId: uat.id });
      await control.requirePrincipal(uat.header);
      expect(acceptedNow(t.b, uat.header)).toMatchObject({ tokenId: uat.id });

      const started = performance.now();
      await t.a.uats.revoke({ caller: t.caller, id: uat.id });
      await waitFor(() => acceptedNow(t.b, uat.header) === undefined, 1000, 'B refusing the revoked UAT');
      latencies.push(performance.now() - started);
      await rejectsWith(t.b.requirePrincipal(uat.header), 'token_revoked');
      await expect(control.requirePrincipal(uat.header)).resolves.toMatchObject({ tokenId: uat.id });
    }
    expectWithinBound(latencies, 'UAT revoked on A');
  });

  it('refuses on B the access token of a refresh family logged out on A, within the same bound', async () => {
    const t = await twoInstances();
    const latencies: number[] = [];
    for (let i = 0; i < 7; i++) {
      const pair = await t.b.tokenPair.login(ACCOUNTS.bob);
      const header = { authorization: `Bearer ${pair.token}` };
      await expect(t.b.requirePrincipal(header)).resolves.toMatchObject({ userId: ACCOUNTS.bob.id });
      const started = performance.now();
      expect(await t.a.tokenPair.revoke({ refreshToken: pair.refreshToken })).toBe(true);
      await waitFor(() => acceptedNow(t.b, header) === undefined, 1000, 'B refusing the access token');
      latencies.push(performance.now() - started);
      await rejectsWith(t.b.requirePrincipal(header), 'token_revoked');
    }
    expectWithinBound(latencies, 'refresh family logged out on A');
  });

  it('while B is cut off from Redis: refuses every token (each can be revoked), and after reconnecting honours what it missed', async () => {
    const t = await twoInstances();
    const [revokedMeanwhile, stillValid] = [await t.newUat(), await t.newUat()];
    const jwtLogin = { authorization: `JWT ${(await t.b.accessTokens.login(ACCOUNTS.bob)).token}` };
    const pair = await t.b.tokenPair.login(ACCOUNTS.bob);
    const familyToken = { authorization: `Bearer ${pair.token}` };
    const revocable = [revokedMeanwhile.header, stillValid.header, familyToken, jwtLogin];
    for (const header of revocable) await t.b.requirePrincipal(header);

    t.proxy.cut();
    await waitFor(() => !t.channelB.connected, 1000, 'B noticing the cut');
    // A log sync would be due now: B must still refuse, since notices may have been lost.
    t.clock.advance(5_000);
    const seen = new Set<string>();
    const until = performance.now() + 300;
    for (let round = 0; performance.now() < until; round++) {
      if (round === 3) await t.a.uats.revoke({ caller: t.caller, id: revokedMeanwhile.id });
      for (const header of revocable) {
        const result = await outcome(t.b.requirePrincipal(header));
        seen.add(result);
        expect(result).toBe('store_unavailable');
        expect(acceptedNow(t.b, header)).toBeUndefined();
      }
      await sleep(10);
    }
    expect([...seen]).toEqual(['store_unavailable']);
    // A UAT B never saw: the store lookup works, but the revocation state cannot be trusted.
    const unseen = await t.newUat();
    await rejectsWith(t.b.requirePrincipal(unseen.header), 'store_unavailable');
    // Issuing a token writes its session to the store: that needs no channel.
    await expect(t.b.accessTokens.login(ACCOUNTS.bob)).resolves.toMatchObject({ token: expect.any(String) });
    // A, still connected, is unaffected.
    await expect(t.a.requirePrincipal(stillValid.header)).resolves.toMatchObject({ tokenId: stillValid.id });

    t.proxy.restore();
    await t.channelB.ready(2000);
    await rejectsWith(t.b.requirePrincipal(revokedMeanwhile.header), 'token_revoked');
    await expect(t.b.requirePrincipal(stillValid.header)).resolves.toMatchObject({ tokenId: stillValid.id });
    await expect(t.b.requirePrincipal(unseen.header)).resolves.toMatchObject({ tokenId: unseen.id });
    await expect(t.b.requirePrincipal(familyToken)).resolves.toMatchObject({ userId: ACCOUNTS.bob.id });
    await expect(t.b.requirePrincipal(jwtLogin)).resolves.toMatchObject({ userId: ACCOUNTS.bob.id });
    // And the channel carries notices again.
    await t.a.uats.revoke({ caller: t.caller, id: stillValid.id });
    await waitFor(() => acceptedNow(t.b, stillValid.header) === undefined, NOTICE_BOUND_MS);
  });

  it('refuses revocable credentials on an instance whose channel has not connected yet', async () => {
    const t = await twoInstances();
    const uat = await t.newUat();
    const proxy = await redisProxy();
    proxy.cut();
    const late = channel({ redis: proxy.url, channel: t.name });
    const c = t.instance({ revocationChannel: late });
    await rejectsWith(c.requirePrincipal(uat.header), 'store_unavailable');
    proxy.restore();
    await late.ready(2000);
    await expect(c.requirePrincipal(uat.header)).resolves.toMatchObject({ tokenId: uat.id });
  });

  it('ignores garbage on the channel: a near-notice naming a valid UAT does not revoke it', async () => {
    const t = await twoInstances();
    const uat = await t.newUat();
    await t.b.requirePrincipal(uat.header);
    const admin = redisClient();
    const garbage = [
      'revoke everything',
      JSON.stringify({ kind: 'uat', id: uat.id }),
      JSON.stringify({ kind: 'uat', id: uat.id, expiresAt: 'never' }),
      JSON.stringify({ kind: 'user', id: uat.id, expiresAt: t.clock.now() + DAY }),
      JSON.stringify({ kind: 'uat', id: uat.id, expiresAt: t.clock.now() + DAY, note: 'x' }),
    ];
    for (const message of garbage) expect(await admin.publish(t.name, message)).toBe(2);
    await sleep(50);
    expect(t.channelB.connected).toBe(true);
    await expect(t.b.requirePrincipal(uat.header)).resolves.toMatchObject({ tokenId: uat.id });
    expect(acceptedNow(t.b, uat.header)).toMatchObject({ tokenId: uat.id });
  });
});
