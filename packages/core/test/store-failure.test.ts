/**
 * Fail closed: when the token store or the user directory cannot be reached, every operation that
 * needs it throws `store_unavailable` (503): never a success, never another error.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryTokenStore, createMemoryUserDirectory, type Principal } from './helpers/internals.js';
import {
  ACCOUNTS,
  buildDemo,
  DAY,
  type Demo,
  demoSeed,
  type FailingDirectory,
  type FailingStore,
  failingDirectory,
  failingStore,
  fastHasher,
  jwtPrincipal,
  rejectsWith,
  type StoreMethod,
  secondInstance,
  settle,
} from './helpers/operation-rules.js';

const { ethan, ava, root } = ACCOUNTS;

interface Broken extends Demo {
  readonly flaky: FailingStore;
}

async function withFlakyStore(): Promise<Broken> {
  const flaky = failingStore(createMemoryTokenStore());
  const demo = await buildDemo({ store: flaky, options: { onBackgroundError: () => {} } });
  return { ...demo, flaky };
}

describe('store failure: a TokenStore whose methods reject', () => {
  it('makes loginForTokenPair throw store_unavailable (503)', async () => {
    const { tg, flaky } = await withFlakyStore();
    flaky.failAll();
    await rejectsWith(
      tg.tokenPair.login({ username: ethan.username, password: ethan.password }),
      'store_unavailable',
      503,
    );
  });

  it('makes refreshTokenPair throw store_unavailable (503), and the refresh token still works afterwards', async () => {
    const { tg, flaky } = await withFlakyStore();
    const pair = await tg.tokenPair.login({ username: ethan.username, password: ethan.password });
    flaky.failAll();
    await rejectsWith(tg.tokenPair.refresh({ refreshToken: pair.refreshToken }), 'store_unavailable', 503);
    flaky.heal();
    const next = await tg.tokenPair.refresh({ refreshToken: pair.refreshToken });
    expect(next.refreshToken).not.toBe(pair.refreshToken);
  });

  it('makes revokeTokenPair throw store_unavailable (503), never report a logout that did not happen', async () => {
    const { tg, flaky } = await withFlakyStore();
    const pair = await tg.tokenPair.login({ username: ethan.username, password: ethan.password });
    flaky.failAll();
    await rejectsWith(tg.tokenPair.revoke({ refreshToken: pair.refreshToken }), 'store_unavailable', 503);
  });

  it('makes createUat, listUats and revokeUat throw store_unavailable (503)', async () => {
    const { tg, clock, flaky } = await withFlakyStore();
    const caller = await jwtPrincipal(tg, ethan);
    const created = await tg.uats.create({
      caller,
      name: 'ci',
      expiresAt: new Date(clock.now() + DAY),
      permissions: ['brand_create'],
    });
    flaky.failAll();
    await rejectsWith(
      tg.uats.create({
        caller,
        name: 'ci2',
        expiresAt: new Date(clock.now() + DAY),
        permissions: ['brand_create'],
      }),
      'store_unavailable',
      503,
    );
    await rejectsWith(tg.uats.list({ caller }), 'store_unavailable', 503);
    await rejectsWith(tg.uats.revoke({ caller, id: created.id }), 'store_unavailable', 503);
  });

  it('makes authenticating a UAT the store has not vouched for yet throw store_unavailable (503)', async () => {
    const { tg, clock, flaky } = await withFlakyStore();
    const caller = await jwtPrincipal(tg, ethan);
    const created = await tg.uats.create({
      caller,
      name: 'ci',
      expiresAt: new Date(clock.now() + DAY),
      permissions: ['brand_create'],
    });
    flaky.failAll();
    await rejectsWith(
      tg.requirePrincipal({ authorization: `UAT ${created.token}` }),
      'store_unavailable',
      503,
    );
  });

  it('refuses a family-bound access token with store_unavailable (503) on an instance that could never sync', async () => {
    const base = await withFlakyStore();
    const pair = await base.tg.tokenPair.login({ username: ethan.username, password: ethan.password });
    base.flaky.failAll();
    // Another instance sharing the store and keys, started while the store is down.
    const instance = secondInstance(base, { onBackgroundError: () => {} });
    await rejectsWith(
      instance.requirePrincipal({ authorization: `Bearer ${pair.token}` }),
      'store_unavailable',
      503,
    );
  });

  it('makes delegate with a family-bound admin token throw store_unavailable (503) when revocations cannot be read', async () => {
    const base = await withFlakyStore();
    const admin = await base.tg.tokenPair.login({ username: root.username, password: root.password });
    base.flaky.failAll();
    const instance = secondInstance(base, { onBackgroundError: () => {} });
    await rejectsWith(
      instance.delegatedLogin.issue({
        adminToken: admin.token,
        domain: 'datastore',
        userIdentity: ava.username,
      }),
      'store_unavailable',
      503,
    );
  });

  it('keeps answering JWTs from memory while the store is away, until the revocation state is too stale', async () => {
    const { tg, flaky, clock } = await withFlakyStore();
    const jwt = await tg.accessTokens.login({ username: ethan.username, password: ethan.password });
    const user = await tg.userTokens.login({
      username: ava.username,
      password: ava.password,
      environment: 'staging',
    });
    flaky.failAll();
    // No I/O on the hot path: the revocation state read before the outage answers.
    expect((await tg.requirePrincipal({ authorization: `JWT ${jwt.token}` })).userId).toBe(ethan.id);
    expect((await tg.requirePrincipal({ authorization: `Bearer ${user.token}` })).environment).toBe(
      'staging',
    );
    // A refresh reads its session in the store: refused, not guessed.
    await rejectsWith(tg.userTokens.refresh({ token: user.token }), 'store_unavailable', 503);
    // Past maxStalenessMs (10 s) nothing revocable is trusted: every JWT belongs to a session.
    clock.advance(10_000);
    await rejectsWith(tg.requirePrincipal({ authorization: `JWT ${jwt.token}` }), 'store_unavailable', 503);
    await rejectsWith(
      tg.requirePrincipal({ authorization: `Bearer ${user.token}` }),
      'store_unavailable',
      503,
    );
    flaky.heal();
    expect((await tg.requirePrincipal({ authorization: `JWT ${jwt.token}` })).userId).toBe(ethan.id);
  });

  it('turns each failing store method alone into store_unavailable for the operations that use it', async () => {
    const cases: [
      StoreMethod,
      (demo: Broken, caller: Principal, refreshToken: string) => Promise<unknown>,
    ][] = [
      [
        'createRefreshFamily',
        ({ tg }) => tg.tokenPair.login({ username: ethan.username, password: ethan.password }),
      ],
      ['rotateRefreshToken', ({ tg }, _c, refreshToken) => tg.tokenPair.refresh({ refreshToken })],
      ['revokeRefreshFamilyByToken', ({ tg }, _c, refreshToken) => tg.tokenPair.revoke({ refreshToken })],
      [
        'insertUat',
        ({ tg, clock }, caller) =>
          tg.uats.create({
            caller,
            name: 'x',
            expiresAt: new Date(clock.now() + DAY),
            permissions: ['brand_create'],
          }),
      ],
      ['listUatsByUser', ({ tg }, caller) => tg.uats.list({ caller })],
      ['revokeUat', ({ tg }, caller) => tg.uats.revoke({ caller, id: 'any-id' })],
    ];
    for (const [method, operation] of cases) {
      const demo = await withFlakyStore();
      const caller = await jwtPrincipal(demo.tg, ethan);
      const { refreshToken } = await demo.tg.tokenPair.login({
        username: ethan.username,
        password: ethan.password,
      });
      demo.flaky.failing.add(method);
      await rejectsWith(operation(demo, caller, refreshToken), 'store_unavailable', 503);
    }
  });

  it('does not fail a UAT authentication when only the advisory last-used update fails', async () => {
    const errors: unknown[] = [];
    const flaky = failingStore(createMemoryTokenStore());
    const { tg, clock } = await buildDemo({
      store: flaky,
      options: { onBackgroundError: (e) => errors.push(e) },
    });
    const caller = await jwtPrincipal(tg, ethan);
    const created = await tg.uats.create({
      caller,
      name: 'ci',
      expiresAt: new Date(clock.now() + DAY),
      permissions: ['brand_create'],
    });
    flaky.failing.add('touchUat');
    expect((await tg.requirePrincipal({ authorization: `UAT ${created.token}` })).permissions).toEqual([
      'brand_create',
    ]);
    await settle();
    expect(errors).toHaveLength(1);
  });
});

describe('store failure: a UserDirectory whose methods reject', () => {
  async function withFlakyDirectory(): Promise<Demo & { readonly directory: FailingDirectory }> {
    let directory: FailingDirectory | undefined;
    const demo = await buildDemo({
      users: (built) => {
        directory = failingDirectory(built);
        return directory;
      },
    });
    if (!directory) throw new Error('unreachable');
    return { ...demo, directory };
  }

  it('makes every password login throw store_unavailable (503), not invalid_credentials', async () => {
    const { tg, directory } = await withFlakyDirectory();
    directory.failAll();
    const credentials = { username: ethan.username, password: ethan.password };
    await rejectsWith(tg.login(credentials), 'store_unavailable', 503);
    await rejectsWith(tg.userTokens.login(credentials), 'store_unavailable', 503);
    await rejectsWith(tg.tokenPair.login(credentials), 'store_unavailable', 503);
    await rejectsWith(tg.accessTokens.login(credentials), 'store_unavailable', 503);
  });

  it('makes issueUserToken, refreshUserToken and listEnvironments throw store_unavailable (503)', async () => {
    const { tg, directory } = await withFlakyDirectory();
    const admin = await jwtPrincipal(tg, root);
    const { token } = await tg.userTokens.login({ username: ethan.username, password: ethan.password });
    directory.failAll();
    await rejectsWith(
      tg.userTokens.issue({ caller: admin, username: ava.username }),
      'store_unavailable',
      503,
    );
    await rejectsWith(tg.userTokens.refresh({ token }), 'store_unavailable', 503);
    await rejectsWith(tg.userTokens.environments({ token }), 'store_unavailable', 503);
  });

  it('makes an environment check that cannot read the catalogue throw store_unavailable (503)', async () => {
    const { tg, directory } = await withFlakyDirectory();
    directory.failing.add('listEnvironments');
    await rejectsWith(
      tg.userTokens.login({ username: ethan.username, password: ethan.password, environment: 'staging' }),
      'store_unavailable',
      503,
    );
  });

  it('makes delegate throw store_unavailable (503)', async () => {
    const { tg, directory } = await withFlakyDirectory();
    const { token } = await tg.accessTokens.login({ username: root.username, password: root.password });
    directory.failAll();
    await rejectsWith(
      tg.delegatedLogin.issue({ adminToken: token, domain: 'datastore', userIdentity: ava.username }),
      'store_unavailable',
      503,
    );
  });

  it('makes createUat (catalogue and creator lookups) and UAT authentication throw store_unavailable (503)', async () => {
    const { tg, clock, directory } = await withFlakyDirectory();
    const caller = await jwtPrincipal(tg, ethan);
    const created = await tg.uats.create({
      caller,
      name: 'ci',
      expiresAt: new Date(clock.now() + DAY),
      permissions: ['brand_create'],
    });
    directory.failing.add('listPermissions');
    await rejectsWith(
      tg.uats.create({
        caller,
        name: 'x',
        expiresAt: new Date(clock.now() + DAY),
        permissions: ['brand_create'],
      }),
      'store_unavailable',
      503,
    );
    directory.heal();
    directory.failing.add('findUserById');
    await rejectsWith(
      tg.uats.create({
        caller,
        name: 'x',
        expiresAt: new Date(clock.now() + DAY),
        permissions: ['brand_create'],
      }),
      'store_unavailable',
      503,
    );
    await rejectsWith(
      tg.requirePrincipal({ authorization: `UAT ${created.token}` }),
      'store_unavailable',
      503,
    );
  });

  it('makes refreshTokenPair throw store_unavailable (503) when the user cannot be read', async () => {
    const { tg, directory } = await withFlakyDirectory();
    const pair = await tg.tokenPair.login({ username: ethan.username, password: ethan.password });
    directory.failAll();
    await rejectsWith(tg.tokenPair.refresh({ refreshToken: pair.refreshToken }), 'store_unavailable', 503);
  });

  it('turns a directory that rejects with a non-Error value into store_unavailable (503) too', async () => {
    const base = await createMemoryUserDirectory(demoSeed(), { passwordHasher: fastHasher() });
    const { tg } = await buildDemo({
      users: () => ({ ...base, verifyPassword: () => Promise.reject('connection reset') }),
    });
    await rejectsWith(
      tg.login({ username: ethan.username, password: ethan.password }),
      'store_unavailable',
      503,
    );
  });
});
