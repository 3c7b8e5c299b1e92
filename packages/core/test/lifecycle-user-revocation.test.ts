/**
 * User revocations (issue 14): "log out everywhere", a new password, disabling a user (by the operator
 * or an administrator) refuse every credential the user held, of every kind, here at once and on
 * another instance after its sync, while a login afterwards works, in the same millisecond too.
 * And what an administrator may reach.
 */
import { describe, expect, it } from 'vitest';
import { createFakeClock, type Tollgate, type UserDirectory } from './helpers/internals.js';
import {
  ACCOUNTS,
  buildDemo,
  type Demo,
  rejectsWith,
  SECOND,
  secondInstance,
  settle,
} from './helpers/operation-rules.js';
import {
  adminCaller,
  allCredentials,
  as,
  type Credentials,
  expectAllAcceptedAndCached,
  expectAllRefused,
  letSync,
  verdict,
} from './sessions-fixtures.js';

const { ethan, ava, bob, domainAdmin, root } = ACCOUNTS;
const NEW_PASSWORD = 'N3w-passw0rd!';

interface Revocation {
  readonly name: string;
  /** Revokes ethan's credentials on `demo.tg`. */
  run(demo: Demo): Promise<void>;
  /** The password a new login uses afterwards. */
  readonly password: string;
  /** Whether the user is disabled afterwards (a login fails until it is enabled). */
  readonly disables: boolean;
}

const REVOCATIONS: readonly Revocation[] = [
  {
    name: 'users.logOutEverywhere',
    run: ({ tg }) => tg.users.logOutEverywhere({ username: ethan.username }),
    password: ethan.password,
    disables: false,
  },
  {
    name: 'users.setPassword',
    run: ({ tg }) => tg.users.setPassword({ username: ethan.username, password: NEW_PASSWORD }),
    password: NEW_PASSWORD,
    disables: false,
  },
  {
    name: 'users.disable',
    run: ({ tg }) => tg.users.disable({ username: ethan.username, actorId: 'cli' }),
    password: ethan.password,
    disables: true,
  },
  {
    name: 'admin.disableUser',
    run: async ({ tg }) => {
      const admin = await adminCaller(tg, domainAdmin);
      await tg.admin.disableUser({ caller: admin.principal, username: ethan.username });
    },
    password: ethan.password,
    disables: true,
  },
];

/** Every kind of credential a new login gives, all accepted. */
async function freshLoginWorks(tg: Tollgate, password: string, others: readonly Tollgate[] = []) {
  const login = { username: ethan.username, password };
  const jwt = await tg.accessTokens.login(login);
  const userToken = await tg.userTokens.login(login);
  const pair = await tg.tokenPair.login(login);
  const requests = [as.jwt(jwt.token), as.bearer(userToken.token), as.bearer(pair.token)];
  for (const instance of [tg, ...others]) {
    for (const request of requests) expect(await verdict(instance, request)).toBe(`ok:${ethan.id}`);
  }
  await tg.userTokens.refresh({ token: userToken.token });
  await tg.tokenPair.refresh({ refreshToken: pair.refreshToken });
  // A company admin's new UAT works too.
  const caller = await tg.requirePrincipal(as.bearer(pair.token));
  const uat = await tg.uats.create({
    caller,
    name: 'after',
    expiresAt: new Date(Date.UTC(2026, 5, 1)),
    permissions: ['scans_download'],
  });
  expect(await verdict(tg, as.uat(uat.token))).toBe(`ok:${ethan.id}`);
}

/** The refresh operations of every refreshable credential are refused. */
async function expectRefreshesRefused(tg: Tollgate, creds: Credentials): Promise<void> {
  await rejectsWith(tg.tokenPair.refresh({ refreshToken: creds.pair.refreshToken }), 'token_revoked');
  await rejectsWith(tg.userTokens.refresh({ token: creds.userToken }), 'token_revoked');
  await rejectsWith(tg.userTokens.refresh({ token: creds.issuedUserToken }), 'token_revoked');
  await rejectsWith(tg.userTokens.environments({ token: creds.userToken }), 'token_revoked');
}

describe.each(REVOCATIONS)('$name: a user revocation', (revocation) => {
  async function setUp() {
    const demo = await buildDemo();
    const other = secondInstance(demo);
    const creds = await allCredentials(demo, ethan, { withUat: true });
    const avaPair = await demo.tg.tokenPair.login({ username: ava.username, password: ava.password });
    await expectAllAcceptedAndCached(demo.tg, creds.requests, ethan.id);
    await expectAllAcceptedAndCached(other, creds.requests, ethan.id);
    demo.clock.advance(SECOND);
    return { demo, other, creds, avaPair };
  }

  it('refuses every earlier credential of every kind, cached ones and UATs included, at once', async () => {
    const { demo, creds, avaPair } = await setUp();
    await revocation.run(demo);
    await expectAllRefused(demo.tg, creds.requests);
    await expectRefreshesRefused(demo.tg, creds);
    // Only that user's.
    expect(await verdict(demo.tg, as.bearer(avaPair.token))).toBe(`ok:${ava.id}`);
    await demo.tg.tokenPair.refresh({ refreshToken: avaPair.refreshToken });
    // Nothing of the user's is listed any more.
    const admin = await adminCaller(demo.tg);
    expect(await demo.tg.admin.listSessions({ caller: admin.principal, username: ethan.username })).toEqual(
      [],
    );
    const uats = await demo.tg.admin.listUats({ caller: admin.principal, username: ethan.username });
    expect(uats.map((u) => u.revokedAt?.getTime())).toEqual([demo.clock.now()]);
  });

  it('refuses them on another instance sharing the store once it has synced', async () => {
    const { demo, other, creds, avaPair } = await setUp();
    await revocation.run(demo);
    await letSync(demo, other, as.bearer(avaPair.token));
    await expectAllRefused(other, creds.requests);
    await expectRefreshesRefused(other, creds);
    expect(await verdict(other, as.bearer(avaPair.token))).toBe(`ok:${ava.id}`);
  });

  /** Revokes, and for a disabling one enables again: a login is then possible, in the same millisecond. */
  async function revokeAndAllowLogin(demo: Demo): Promise<void> {
    await revocation.run(demo);
    if (revocation.disables) {
      await rejectsWith(
        demo.tg.tokenPair.login({ username: ethan.username, password: revocation.password }),
        'invalid_credentials',
      );
      await demo.tg.users.enable({ username: ethan.username });
    }
    if (revocation.password !== ethan.password) {
      await rejectsWith(
        demo.tg.tokenPair.login({ username: ethan.username, password: ethan.password }),
        'invalid_credentials',
      );
    }
  }

  it('lets a new login in afterwards, on both instances, and the old credentials stay dead', async () => {
    const { demo, other, creds, avaPair } = await setUp();
    await revokeAndAllowLogin(demo);
    demo.clock.advance(1);
    await freshLoginWorks(demo.tg, revocation.password);
    await letSync(demo, other, as.bearer(avaPair.token));
    await freshLoginWorks(demo.tg, revocation.password, [other]);
    await expectAllRefused(demo.tg, creds.requests);
    await expectAllRefused(other, creds.requests);
    await expectRefreshesRefused(demo.tg, creds);
  });

  // A user revocation refuses sessions created up to its millisecond inclusive; the instance that
  // revokes starts its later sessions in the next millisecond, so a login right after it is spared.
  it('lets a new login in within the same millisecond as the revocation', async () => {
    const { demo, other, avaPair } = await setUp();
    await letSync(demo, other, as.bearer(avaPair.token));
    const revokedAt = demo.clock.now();
    await revokeAndAllowLogin(demo);
    expect(demo.clock.now()).toBe(revokedAt);
    // The other instance has synced the revocation too before it sees the new tokens.
    await other.authenticate(as.bearer(avaPair.token));
    await settle();
    await freshLoginWorks(demo.tg, revocation.password, [other]);
  });

  it('refuses a credential issued earlier within the same millisecond as the revocation', async () => {
    const demo = await buildDemo();
    const creds = await allCredentials(demo, ethan, { withUat: true });
    await expectAllAcceptedAndCached(demo.tg, creds.requests, ethan.id);
    const pair = await demo.tg.tokenPair.login({ username: ethan.username, password: ethan.password });
    const jwt = await demo.tg.accessTokens.login({ username: ethan.username, password: ethan.password });
    const sameInstant = [as.bearer(pair.token), as.jwt(jwt.token)];
    for (const request of sameInstant) await verdict(demo.tg, request);
    await revocation.run(demo);
    expect(await Promise.all(sameInstant.map((request) => verdict(demo.tg, request)))).toEqual([
      'token_revoked',
      'token_revoked',
    ]);
    await rejectsWith(demo.tg.tokenPair.refresh({ refreshToken: pair.refreshToken }), 'token_revoked');
  });
});

/**
 * A demo whose next `method` call for `key` (the directory's first argument), once `hold` is called,
 * stops after the directory answered until `release`, then takes 50 ms of the clock: a check in
 * flight (a sign-in's password check, a UAT creator's lookup). Only that call: the revocation's own go on.
 */
async function demoWithCheckInFlight(method: 'verifyPassword' | 'findUserById', key: string) {
  const clock = createFakeClock();
  let gate: Promise<void> | null = null;
  let release = () => {};
  let reached = () => {};
  const slow = (built: UserDirectory): UserDirectory =>
    new Proxy(built, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        if (property !== method) return value.bind(target);
        return async (...args: unknown[]) => {
          const found: unknown = await value.apply(target, args);
          const held = args[0] === key ? gate : null;
          if (held !== null) {
            gate = null;
            reached();
            await held;
            clock.advance(50);
          }
          return found;
        };
      },
    });
  const demo = await buildDemo({ clock, users: slow });
  return {
    demo,
    /** The next check of `key` stops; resolves once it has. */
    hold(): Promise<void> {
      const stopped = new Promise<void>((resolve) => {
        reached = resolve;
      });
      gate = new Promise((resolve) => {
        release = resolve;
      });
      return stopped;
    },
    release: () => release(),
  };
}

describe.each(REVOCATIONS)('$name: a password sign-in in flight across it', (revocation) => {
  // The password was checked before the revocation; the session would start after it.
  const survives = revocation.password === ethan.password && !revocation.disables;

  it.each(['this instance', 'another instance'])(
    `is checked again: ${survives ? 'it goes on in a session after the revocation' : 'invalid_credentials, no session'} (revoked on %s)`,
    async (where) => {
      const { demo, hold, release } = await demoWithCheckInFlight('verifyPassword', ethan.username);
      const revoker = where === 'this instance' ? demo : { ...demo, tg: secondInstance(demo) };
      const stopped = hold();
      const signIn = demo.tg.tokenPair.login({ username: ethan.username, password: ethan.password });
      const outcome = signIn.then(
        (pair) => ({ pair, error: null }),
        (error: unknown) => ({ pair: null, error }),
      );
      await stopped;
      const revokedAt = demo.clock.now();
      await revocation.run(revoker);
      release();
      const { pair, error } = await outcome;
      const admin = await adminCaller(demo.tg);
      const live = await demo.tg.admin.listSessions({ caller: admin.principal, username: ethan.username });
      if (!survives) {
        expect(error).toMatchObject({ code: 'invalid_credentials' });
        expect(live).toEqual([]);
        return;
      }
      expect(error).toBeNull();
      expect(live.map((s) => s.id)).toEqual([
        (await demo.tg.requirePrincipal(as.bearer(pair!.token))).sessionId,
      ]);
      expect(live[0]!.createdAt.getTime()).toBeGreaterThan(revokedAt);
      expect(await verdict(demo.tg, as.bearer(pair!.token))).toBe(`ok:${ethan.id}`);
      const next = await demo.tg.tokenPair.refresh({ refreshToken: pair!.refreshToken });
      expect(await verdict(demo.tg, as.bearer(next.token))).toBe(`ok:${ethan.id}`);
    },
  );
});

describe.each(REVOCATIONS)('$name: a UAT being created across it', (revocation) => {
  it.each(['this instance', 'another instance'])(
    'by a caller checked before it is refused with token_revoked, nothing stored (revoked on %s)',
    async (where) => {
      const { demo, hold, release } = await demoWithCheckInFlight('findUserById', ethan.id);
      const revoker = where === 'this instance' ? demo : { ...demo, tg: secondInstance(demo) };
      const pair = await demo.tg.tokenPair.login({ username: ethan.username, password: ethan.password });
      demo.clock.advance(SECOND);
      const caller = await demo.tg.requirePrincipal(as.bearer(pair.token));
      const stopped = hold();
      const creation = demo.tg.uats.create({
        caller,
        name: 'in flight',
        expiresAt: new Date(demo.clock.now() + 30 * 86_400_000),
        permissions: ['scans_download'],
      });
      await stopped;
      const revokedAt = demo.clock.now();
      await revocation.run(revoker);
      release();
      await rejectsWith(creation, 'token_revoked');
      // It would have been created after the revocation, out of the reach of both the store's revokeUser
      // and the revocation state: nothing is stored.
      expect(demo.clock.now()).toBeGreaterThan(revokedAt);
      const admin = await adminCaller(demo.tg);
      expect(await demo.tg.admin.listUats({ caller: admin.principal, username: ethan.username })).toEqual([]);
    },
  );
});

describe('disable and enable', () => {
  it('a disabled user cannot log in by any scheme nor be signed in by an administrator; enabled, it can', async () => {
    const demo = await buildDemo();
    const { tg } = demo;
    const admin = await adminCaller(tg);
    const login = { username: ethan.username, password: ethan.password };
    await tg.admin.disableUser({ caller: admin.principal, username: ethan.username });
    await rejectsWith(tg.accessTokens.login(login), 'invalid_credentials');
    await rejectsWith(tg.userTokens.login(login), 'invalid_credentials');
    await rejectsWith(tg.tokenPair.login(login), 'invalid_credentials');
    await rejectsWith(
      tg.userTokens.issue({ caller: admin.principal, username: ethan.username }),
      'unknown_user',
    );
    await rejectsWith(
      tg.delegatedLogin.issue({ adminToken: admin.token, domain: 'datastore', userIdentity: ethan.username }),
      'unknown_user',
    );
    // Disabling twice is harmless.
    await tg.admin.disableUser({ caller: admin.principal, username: ethan.username });
    await tg.admin.enableUser({ caller: admin.principal, username: ethan.username });
    demo.clock.advance(1);
    await freshLoginWorks(tg, ethan.password);
    await tg.userTokens.issue({ caller: admin.principal, username: ethan.username });
  });

  it('enable does not bring old credentials back', async () => {
    const demo = await buildDemo();
    const { tg, clock } = demo;
    const creds = await allCredentials(demo, ethan, { withUat: true });
    await expectAllAcceptedAndCached(tg, creds.requests, ethan.id);
    clock.advance(SECOND);
    await tg.users.disable({ username: ethan.username });
    clock.advance(SECOND);
    await tg.users.enable({ username: ethan.username });
    await expectAllRefused(tg, creds.requests);
    await expectRefreshesRefused(tg, creds);
    // A second instance started after all this knows it from the revocation log.
    const later = secondInstance(demo);
    await settle();
    await expectAllRefused(later, creds.requests);
  });

  it('setPassword: the old password stops working and the new one works', async () => {
    const demo = await buildDemo();
    const { tg } = demo;
    await tg.users.setPassword({ username: ethan.username, password: NEW_PASSWORD });
    await rejectsWith(
      tg.login({ username: ethan.username, password: ethan.password }),
      'invalid_credentials',
    );
    expect((await tg.login({ username: ethan.username, password: NEW_PASSWORD })).id).toBe(ethan.id);
    await rejectsWith(
      tg.users.setPassword({ username: ethan.username, password: 'short' }),
      'malformed_request',
    );
  });

  it('the lifecycle operations answer unknown_user for an unknown username', async () => {
    const demo = await buildDemo();
    const { tg } = demo;
    const username = 'nobody@datastoreltd.biz';
    await rejectsWith(tg.users.logOutEverywhere({ username }), 'unknown_user');
    await rejectsWith(tg.users.setPassword({ username, password: NEW_PASSWORD }), 'unknown_user');
    await rejectsWith(tg.users.disable({ username }), 'unknown_user');
    await rejectsWith(tg.users.enable({ username }), 'unknown_user');
  });

  it('without a directory lifecycle, disabling and setting passwords are not_supported', async () => {
    const demo = await buildDemo({
      users: (built) => ({
        findUserById: (id) => built.findUserById(id),
        findUserByUsername: (u) => built.findUserByUsername(u),
        verifyPassword: (u, p) => built.verifyPassword(u, p),
        listEnvironments: () => built.listEnvironments(),
        listPermissions: () => built.listPermissions(),
      }),
    });
    const { tg } = demo;
    const admin = await adminCaller(tg);
    await rejectsWith(tg.users.disable({ username: ethan.username }), 'not_supported');
    await rejectsWith(
      tg.users.setPassword({ username: ethan.username, password: NEW_PASSWORD }),
      'not_supported',
    );
    await rejectsWith(
      tg.admin.disableUser({ caller: admin.principal, username: ethan.username }),
      'not_supported',
    );
    // Logging out everywhere needs no directory writes.
    const pair = await tg.tokenPair.login({ username: ethan.username, password: ethan.password });
    demo.clock.advance(1);
    await tg.users.logOutEverywhere({ username: ethan.username });
    expect(await verdict(tg, as.bearer(pair.token))).toBe('token_revoked');
  });
});

describe('what an administrator may reach', () => {
  type AdminCall = (
    tg: Tollgate,
    caller: Awaited<ReturnType<typeof adminCaller>>,
    username: string,
  ) => Promise<unknown>;
  const ADMIN_CALLS: readonly (readonly [string, AdminCall])[] = [
    ['listSessions', (tg, a, username) => tg.admin.listSessions({ caller: a.principal, username })],
    ['revokeSessions', (tg, a, username) => tg.admin.revokeSessions({ caller: a.principal, username })],
    ['listUats', (tg, a, username) => tg.admin.listUats({ caller: a.principal, username })],
    ['revokeUat', (tg, a, username) => tg.admin.revokeUat({ caller: a.principal, username, uatId: 'x' })],
    ['disableUser', (tg, a, username) => tg.admin.disableUser({ caller: a.principal, username })],
    ['enableUser', (tg, a, username) => tg.admin.enableUser({ caller: a.principal, username })],
    ['auditEvents', (tg, a, username) => tg.admin.auditEvents({ caller: a.principal, username })],
  ];

  it.each(ADMIN_CALLS)(
    '%s: a domain admin gets unknown_user for another domain’s user, as for an unknown one',
    async (_name, call) => {
      const demo = await buildDemo();
      const { tg } = demo;
      const bobPair = await tg.tokenPair.login({ username: bob.username, password: bob.password });
      demo.clock.advance(SECOND);
      const admin = await adminCaller(tg, domainAdmin);
      await rejectsWith(call(tg, admin, bob.username), 'unknown_user');
      await rejectsWith(call(tg, admin, 'nobody@acme.test'), 'unknown_user');
      // Another domain's administrator too: out of reach before it is an administrator.
      await rejectsWith(call(tg, admin, root.username), 'unknown_user');
      // Bob was not touched.
      expect(await verdict(tg, as.bearer(bobPair.token))).toBe(`ok:${bob.id}`);
      await tg.tokenPair.login({ username: bob.username, password: bob.password });
    },
  );

  it.each(ADMIN_CALLS)(
    '%s: no administrator may target an administrator (administrator_not_allowed)',
    async (_name, call) => {
      const demo = await buildDemo();
      const { tg } = demo;
      const rootAdmin = await adminCaller(tg, root);
      const domain = await adminCaller(tg, domainAdmin);
      demo.clock.advance(SECOND);
      await rejectsWith(call(tg, rootAdmin, domainAdmin.username), 'administrator_not_allowed');
      await rejectsWith(call(tg, domain, domainAdmin.username), 'administrator_not_allowed');
      // Neither administrator was logged out or disabled.
      expect(await verdict(tg, as.bearer(domain.token))).toBe(`ok:${domainAdmin.id}`);
      expect(await verdict(tg, as.bearer(rootAdmin.token))).toBe(`ok:${root.id}`);
      await tg.tokenPair.login({ username: domainAdmin.username, password: domainAdmin.password });
    },
  );

  it('a domain admin reaches the users of its own domain; an enterprise admin reaches every customer', async () => {
    const demo = await buildDemo();
    const { tg } = demo;
    const avaPair = await tg.tokenPair.login({ username: ava.username, password: ava.password });
    const bobPair = await tg.tokenPair.login({ username: bob.username, password: bob.password });
    demo.clock.advance(SECOND);
    const domain = await adminCaller(tg, domainAdmin);
    const rootAdmin = await adminCaller(tg, root);
    expect(await tg.admin.revokeSessions({ caller: domain.principal, username: ava.username })).toBe(1);
    expect(await verdict(tg, as.bearer(avaPair.token))).toBe('token_revoked');
    expect(await tg.admin.revokeSessions({ caller: rootAdmin.principal, username: bob.username })).toBe(1);
    expect(await verdict(tg, as.bearer(bobPair.token))).toBe('token_revoked');
  });

  it('refuses callers that are not an administrator’s own access token', async () => {
    const demo = await buildDemo();
    const { tg } = demo;
    const creds = await allCredentials(demo, ethan, { withUat: true });
    const customer = await tg.requirePrincipal(as.bearer(creds.pair.token));
    await rejectsWith(
      tg.admin.disableUser({ caller: customer, username: ava.username }),
      'not_an_administrator',
    );
    const delegated = await tg.requirePrincipal(as.cookie(creds.delegated));
    await rejectsWith(
      tg.admin.disableUser({ caller: delegated, username: ava.username }),
      'delegated_token_not_allowed',
    );
    const issued = await tg.requirePrincipal(as.bearer(creds.issuedUserToken));
    await rejectsWith(
      tg.admin.listSessions({ caller: issued, username: ava.username }),
      'delegated_token_not_allowed',
    );
    const uat = await tg.requirePrincipal(as.uat(creds.uat!));
    await rejectsWith(tg.admin.listSessions({ caller: uat, username: ava.username }), 'wrong_token_kind');
    await tg.login({ username: ava.username, password: ava.password });
  });
});
