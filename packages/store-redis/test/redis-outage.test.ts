/**
 * What a Redis outage stops, and what keeps working on PostgreSQL alone, as the README says: one
 * instance on PostgreSQL whose channel and limiter reach Redis through a proxy the test cuts.
 */
import { createKeySet, createTollgate, generateSigningKey, TollgateError } from '@tollgate/core';
import { demoSeed } from '@tollgate/store-tests';
import { describe, expect, it } from 'vitest';
import { redisLimiterFactory, redisNamespaceFor } from '../src/index.js';
import {
  ACCOUNTS,
  AUDIENCE,
  channel,
  connected,
  DAY,
  deleteKeysAfterTest,
  ISSUER,
  redisClient,
  redisProxy,
  rejectsWith,
} from './helpers.js';
import { DATABASE_URL, freshSchema, undoStack } from './postgres.js';

const { ethan, bob } = ACCOUNTS;

describe('Redis away, PostgreSQL up', () => {
  it('stops password logins and every token; refresh, UAT creation and revocations go on, safely', async () => {
    const later = undoStack();
    const store = await freshSchema(later, [DATABASE_URL]).open(DATABASE_URL);
    await store.seed(demoSeed);
    const namespace = redisNamespaceFor(store.identity);
    deleteKeysAfterTest(`${namespace}:`);
    const proxy = await redisProxy();
    const redis = await connected(redisClient(proxy.url));
    const revocationChannel = channel({ redis: proxy.url, namespace });
    const backgroundErrors: unknown[] = [];
    const tollgate = createTollgate({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: createKeySet({ current: await generateSigningKey() }),
      store: store.tokens,
      users: store.users,
      revocationChannel,
      loginLimits: { limiterFactory: redisLimiterFactory(redis, { namespace }) },
      // Off, so that the stolen token below is reuse at once rather than a retry.
      refreshReuseIntervalSeconds: 0,
      onBackgroundError: (error) => backgroundErrors.push(error),
    });
    later(async () => tollgate.close());
    await revocationChannel.ready();

    const jwt = { authorization: `JWT ${(await tollgate.accessTokens.login(ethan)).token}` };
    const caller = await tollgate.requirePrincipal(jwt);
    const newUat = async () => {
      const created = await tollgate.uats.create({
        caller,
        name: 'outage',
        expiresAt: new Date(Date.now() + 30 * DAY),
        permissions: ['brand_create'],
      });
      return { id: created.id, header: { authorization: `UAT ${created.token}` } };
    };
    const before = await newUat();
    const pair = await tollgate.tokenPair.login(bob);

    // Both connections down, and known to be.
    const lost = new Promise<void>((resolve) =>
      revocationChannel.subscribe({ revoked() {}, connected() {}, disconnected: resolve }),
    );
    // (events.once would reject on the 'error' that comes first.)
    const closed = new Promise((resolve) => redis.once('close', resolve));
    proxy.cut();
    await Promise.all([lost, closed]);

    // Stopped (503): password logins (their counters are in Redis), and credentials whose revocation
    // this instance can no longer hear of.
    await rejectsWith(tollgate.accessTokens.login(bob), 'store_unavailable');
    await rejectsWith(tollgate.tokenPair.login(bob), 'store_unavailable');
    await rejectsWith(tollgate.requirePrincipal(before.header), 'store_unavailable');
    await rejectsWith(
      tollgate.requirePrincipal({ authorization: `Bearer ${pair.token}` }),
      'store_unavailable',
    );

    // Every token belongs to a revocable session: a JWT login's token too.
    await rejectsWith(tollgate.requirePrincipal(jwt), 'store_unavailable');
    // Going on, on PostgreSQL alone.
    // Refresh: the rotation is one PostgreSQL transaction, reuse detection included...
    const next = await tollgate.tokenPair.refresh({ refreshToken: pair.refreshToken });
    expect(next.refreshToken).not.toBe(pair.refreshToken);
    // ...and the access token it issues is refused like any other of a family, until the channel is back.
    await rejectsWith(
      tollgate.requirePrincipal({ authorization: `Bearer ${next.token}` }),
      'store_unavailable',
    );
    // A stolen refresh token presented again is still caught, and its family revoked in the store.
    await rejectsWith(
      tollgate.tokenPair.refresh({ refreshToken: pair.refreshToken }),
      'refresh_token_reused',
    );
    // UAT creation: a new UAT was never revoked, and its creator's rights are read from the store.
    const during = await newUat();
    await expect(tollgate.uats.list({ caller })).resolves.toHaveLength(2);
    // Revocation: recorded in the store's log, which every instance re-reads before trusting its cache
    // again; only the notice to the other instances fails (reported to onBackgroundError).
    await tollgate.uats.revoke({ caller, id: before.id });

    proxy.restore();
    await revocationChannel.ready(5000);
    await connected(redis);
    await rejectsWith(tollgate.requirePrincipal(before.header), 'token_revoked');
    await expect(tollgate.requirePrincipal(during.header)).resolves.toMatchObject({ tokenId: during.id });
    // The family whose refresh token was reused during the outage is revoked.
    await rejectsWith(tollgate.requirePrincipal({ authorization: `Bearer ${next.token}` }), 'token_revoked');
    await expect(tollgate.accessTokens.login(bob)).resolves.toMatchObject({ token: expect.any(String) });
    // What failed meanwhile: the two notices (the reused family, the revoked UAT), not the work itself.
    expect(backgroundErrors).toHaveLength(2);
    expect(backgroundErrors.some((error) => error instanceof TollgateError)).toBe(false);
  }, 30_000);
});
