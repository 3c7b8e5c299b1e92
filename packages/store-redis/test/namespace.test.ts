/**
 * The namespace setting: the helper deriving one from a database identity, and its validation in
 * `createRedisRevocationChannel` and `redisLimiterFactory`.
 */
import { describe, expect, it } from 'vitest';
import {
  createRedisRevocationChannel,
  type DatabaseIdentity,
  DEFAULT_REVOCATION_CHANNEL,
  redisLimiterFactory,
  redisNamespaceFor,
} from '../src/index.js';
import { channel, REDIS_URL, redisClient } from './helpers.js';

const identity: DatabaseIdentity = {
  server: 'system:7715640749360162943',
  database: 'billing',
  schema: 'tollgate',
};

const MALFORMED = [
  '',
  ' ',
  'tollgate public',
  'tollgate::public',
  ':tollgate',
  'tollgate:',
  'tollgate:*',
  'tollgate:?',
  'tollgate:[ab]',
  'tollgate\\x',
  '{tollgate}',
  'tollgate\n',
  'péage',
  'x'.repeat(101),
];

describe('redisNamespaceFor', () => {
  it('is tollgate: and 16 hex digits, naming neither the server nor the database', () => {
    const namespace = redisNamespaceFor({ server: 'db.internal.example:5432', database: 'billing' });
    expect(namespace).toMatch(/^tollgate:[0-9a-f]{16}$/);
    expect(namespace).not.toMatch(/db|internal|example|5432|billing/);
  });

  it('is the same for the same identity, and the server is compared case-insensitively', () => {
    expect(redisNamespaceFor({ ...identity })).toBe(redisNamespaceFor(identity));
    expect(redisNamespaceFor({ ...identity, server: 'DB.Example:5432' })).toBe(
      redisNamespaceFor({ ...identity, server: 'db.example:5432' }),
    );
    // The schema defaults to PostgreSQL's.
    expect(redisNamespaceFor({ server: 's', database: 'd' })).toBe(
      redisNamespaceFor({ server: 's', database: 'd', schema: 'public' }),
    );
  });

  it('differs with the server, the database or the schema, and cannot be forged by moving a separator', () => {
    const all = [
      identity,
      { ...identity, server: 'system:7715640749360162944' },
      { ...identity, database: 'shop' },
      { ...identity, database: 'Billing' },
      { ...identity, schema: 'public' },
      { server: 'a:b', database: 'c' },
      { server: 'a', database: 'b:c' },
    ].map(redisNamespaceFor);
    expect(new Set(all).size).toBe(all.length);
  });

  it('throws a TypeError for an identity with a missing or empty field', () => {
    const bad: unknown[] = [
      undefined,
      null,
      'db.example',
      { database: 'd' },
      { server: '', database: 'd' },
      { server: 's' },
      { server: 's', database: '' },
      { server: 's', database: 'd', schema: '' },
      { server: 5432, database: 'd' },
    ];
    for (const value of bad)
      expect(() => redisNamespaceFor(value as DatabaseIdentity), JSON.stringify(value)).toThrow(TypeError);
  });
});

describe('the namespace option', () => {
  it('names the channel <namespace>:revocations; without it the channel is the default or the one given', async () => {
    const namespace = redisNamespaceFor(identity);
    expect(channel({ redis: REDIS_URL, namespace }).channelName).toBe(`${namespace}:revocations`);
    expect(channel({ redis: REDIS_URL, namespace: 'billing-prod' }).channelName).toBe(
      'billing-prod:revocations',
    );
    expect(channel({ redis: REDIS_URL }).channelName).toBe(DEFAULT_REVOCATION_CHANNEL);
    expect(channel({ redis: REDIS_URL, channel: 'mine' }).channelName).toBe('mine');
  });

  it('throws a TypeError, before connecting, for an empty or malformed namespace, or one given with channel', () => {
    const redis = redisClient(REDIS_URL, { lazyConnect: true });
    for (const namespace of [...MALFORMED, null, 42]) {
      const options = { redis, namespace: namespace as string };
      expect(() => createRedisRevocationChannel(options), JSON.stringify(namespace)).toThrow(TypeError);
      expect(() => redisLimiterFactory(redis, { namespace: namespace as string })).toThrow(TypeError);
    }
    expect(() => createRedisRevocationChannel({ redis, namespace: 'a', channel: 'b' })).toThrow(
      'give namespace or channel, not both',
    );
    expect(() => redisLimiterFactory(redis, { namespace: '' })).toThrow(
      'namespace must be a non-empty string',
    );
    expect(() => redisLimiterFactory(redis, { namespace: 'a b' })).toThrow(
      `namespace must be segments of letters, digits, '_', '.' or '-' joined by single ':' (got "a b")`,
    );
    // Nothing was opened on the client given.
    expect(redis.status).toBe('wait');
  });

  it("accepts what redisNamespaceFor gives and names of one's own", () => {
    const redis = redisClient(REDIS_URL, { lazyConnect: true });
    for (const namespace of [
      redisNamespaceFor(identity),
      'billing',
      'acme.billing-prod:eu_1',
      'x'.repeat(100),
    ])
      expect(() => redisLimiterFactory(redis, { namespace })).not.toThrow();
  });
});
