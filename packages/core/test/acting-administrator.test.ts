/**
 * Hardening: an administrator who acts for a user leaves a trace and mints nothing (a user token it
 * issued carries it as `act`, like a delegated token), and a domain administrator learns nothing about
 * users outside its domain (the same refusal, after the same work, as for an unknown user).
 */
import { describe, expect, it } from 'vitest';
import { JwtCodec, type TollgateError, type UserDirectory } from './helpers/internals.js';
import {
  ACCOUNTS,
  AUDIENCE,
  accessPrincipal,
  buildDemo,
  DAY,
  type Demo,
  type DemoAccount,
  ISSUER,
  jwtPayload,
  jwtPrincipal,
  mutableDirectory,
  rejectsWith,
} from './helpers/operation-rules.js';

const { ethan, ava, bob, domainAdmin, root } = ACCOUNTS;

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A user token `admin` issued for `user`, and its principal. */
async function issued(demo: Demo, admin: DemoAccount, user: DemoAccount, environment?: string) {
  const caller = await accessPrincipal(demo.tg, admin);
  const result = await demo.tg.userTokens.issue({ caller, username: user.username, environment });
  return { ...result, principal: await demo.tg.requirePrincipal(bearer(result.token)) };
}

/** A 364-day UAT, the longest allowed. */
const uatInput = (demo: Demo) => ({
  name: 'minted',
  expiresAt: new Date(demo.clock.now() + 364 * DAY),
  permissions: ['brand_create'],
});

describe('a user token an administrator issued', () => {
  it('names the administrator as actor (RFC 8693 act), for an enterprise and a domain admin', async () => {
    const demo = await buildDemo();
    const byRoot = await issued(demo, root, ethan, 'production');
    expect(byRoot.principal).toMatchObject({
      username: ethan.username,
      tokenKind: 'user',
      environment: 'production',
      actor: { userId: root.id, username: root.username },
      customData: null,
    });
    expect(jwtPayload(byRoot.token).act).toEqual({ sub: root.id, preferred_username: root.username });
    const byDomainAdmin = await issued(demo, domainAdmin, ava);
    expect(byDomainAdmin.principal.actor).toEqual({ userId: domainAdmin.id, username: domainAdmin.username });
  });

  it('cannot create, list or revoke UATs: delegated_token_not_allowed (403)', async () => {
    const demo = await buildDemo();
    const { principal: caller } = await issued(demo, root, ethan);
    await rejectsWith(demo.tg.uats.create({ caller, ...uatInput(demo) }), 'delegated_token_not_allowed', 403);
    await rejectsWith(demo.tg.uats.list({ caller }), 'delegated_token_not_allowed', 403);
    await rejectsWith(demo.tg.uats.revoke({ caller, id: 'some-id' }), 'delegated_token_not_allowed', 403);
    // Ethan's own UATs are untouched and still his to manage first-hand.
    expect(await demo.tg.uats.list({ caller: await jwtPrincipal(demo.tg, ethan) })).toEqual([]);
  });

  it('cannot issue user tokens or delegate either', async () => {
    const demo = await buildDemo();
    const { principal: caller, token } = await issued(demo, root, ethan);
    await rejectsWith(
      demo.tg.userTokens.issue({ caller, username: ava.username }),
      'delegated_token_not_allowed',
      403,
    );
    await rejectsWith(
      demo.tg.delegatedLogin.issue({ adminToken: token, domain: 'datastore', userIdentity: ava.username }),
      'delegated_token_not_allowed',
      403,
    );
  });

  it('keeps its actor through every refresh, with or without an environment switch', async () => {
    const demo = await buildDemo();
    const first = await issued(demo, domainAdmin, ethan, 'production');
    const second = await demo.tg.userTokens.refresh({ token: first.token });
    const third = await demo.tg.userTokens.refresh({ token: second.token, environment: 'staging' });
    for (const token of [second.token, third.token]) {
      const principal = await demo.tg.requirePrincipal(bearer(token));
      expect(principal.actor).toEqual({ userId: domainAdmin.id, username: domainAdmin.username });
      await rejectsWith(
        demo.tg.uats.create({ caller: principal, ...uatInput(demo) }),
        'delegated_token_not_allowed',
      );
    }
    expect(jwtPayload(third.token).auth_time).toBe(jwtPayload(first.token).auth_time);
  });

  it('a password-login user token still has no actor, refreshes without one, and may create a UAT', async () => {
    const demo = await buildDemo();
    const login = await demo.tg.userTokens.login({ username: ethan.username, password: ethan.password });
    const refreshed = await demo.tg.userTokens.refresh({ token: login.token });
    expect(jwtPayload(login.token)).not.toHaveProperty('act');
    expect(jwtPayload(refreshed.token)).not.toHaveProperty('act');
    const caller = await demo.tg.requirePrincipal(bearer(refreshed.token));
    expect(caller.actor).toBeNull();
    const uat = await demo.tg.uats.create({ caller, ...uatInput(demo) });
    expect(uat.permissions).toEqual(['brand_create']);
  });

  it('a signed JWT with a malformed act is refused; any JWT naming an actor is read as acting', async () => {
    const demo = await buildDemo();
    const codec = new JwtCodec({
      keys: demo.keys,
      issuer: ISSUER,
      audience: AUDIENCE,
      leewaySeconds: 0,
      maxTokenLength: 8192,
    });
    const base = jwtPayload((await issued(demo, root, ethan)).token);
    const forge = (kind: 'user' | 'access', act: unknown) => {
      const { iss: _iss, aud: _aud, ...claims } = base;
      return codec.sign(kind, { ...claims, jti: `forged-${String(Math.random())}`, act } as never);
    };
    for (const act of [
      null,
      'root',
      { sub: root.id },
      { preferred_username: root.username },
      { sub: 1, preferred_username: 'x' },
    ]) {
      await rejectsWith(demo.tg.requirePrincipal(bearer(await forge('user', act))), 'invalid_token');
      await rejectsWith(demo.tg.userTokens.refresh({ token: await forge('user', act) }), 'invalid_token');
    }
    const withAct = await forge('access', { sub: root.id, preferred_username: root.username });
    const caller = await demo.tg.requirePrincipal(bearer(withAct));
    expect(caller.actor).toEqual({ userId: root.id, username: root.username });
    await rejectsWith(demo.tg.uats.create({ caller, ...uatInput(demo) }), 'delegated_token_not_allowed');
  });
});

/** A directory that records every call it is asked, in order. */
function recording(base: UserDirectory): UserDirectory & { calls: string[] } {
  const calls: string[] = [];
  const record =
    <A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      calls.push(name);
      return fn(...args);
    };
  return {
    calls,
    findUserById: record('findUserById', (id: string) => base.findUserById(id)),
    findUserByUsername: record('findUserByUsername', (name: string) => base.findUserByUsername(name)),
    verifyPassword: record('verifyPassword', (name: string, password: string) =>
      base.verifyPassword(name, password),
    ),
    listEnvironments: record('listEnvironments', () => base.listEnvironments()),
    listPermissions: record('listPermissions', () => base.listPermissions()),
  };
}

/** The refusal of `attempt` with the directory calls it made. */
async function refusal(directory: { calls: string[] }, attempt: () => Promise<unknown>) {
  directory.calls.length = 0;
  const error = (await attempt().then(
    () => expect.unreachable('expected a refusal'),
    (e: unknown) => e,
  )) as TollgateError;
  return { code: error.code, status: error.status, message: error.message, calls: [...directory.calls] };
}

describe('a domain administrator learns nothing about users outside its domain', () => {
  /** Ava disabled; every directory call recorded. */
  async function setup() {
    let directory: ReturnType<typeof recording> | undefined;
    const demo = await buildDemo({
      users: (built) => {
        const mutable = mutableDirectory(built);
        mutable.update(ava.id, { disabled: true });
        directory = recording(mutable);
        return directory;
      },
    });
    return { demo, directory: directory! };
  }

  it('userTokens.issue: unknown, disabled, another organisation’s user or administrator → one unknown_user (404), same calls', async () => {
    const { demo, directory } = await setup();
    const caller = await accessPrincipal(demo.tg, domainAdmin);
    const issue = (username: string, environment?: string) => () =>
      demo.tg.userTokens.issue({ caller, username, environment });
    const unknown = await refusal(directory, issue('nobody@datastoreltd.biz'));
    expect(unknown).toEqual({
      code: 'unknown_user',
      status: 404,
      message: 'No such user.',
      calls: ['findUserByUsername'],
    });
    expect(await refusal(directory, issue(bob.username))).toEqual(unknown);
    expect(await refusal(directory, issue(bob.username, 'production'))).toEqual(unknown);
    expect(await refusal(directory, issue(root.username))).toEqual(unknown);
    expect(await refusal(directory, issue(ava.username))).toEqual(unknown);
    // Inside its domain the answers stay what they were.
    expect((await refusal(directory, issue(domainAdmin.username))).code).toBe('administrator_not_allowed');
    expect((await refusal(directory, issue(ethan.username, 'sandbox'))).code).toBe('environment_not_allowed');
  });

  it('delegatedLogin.issue: a user of another domain answers as an unknown one, with the same calls', async () => {
    const { demo, directory } = await setup();
    const pair = await demo.tg.tokenPair.login({
      username: domainAdmin.username,
      password: domainAdmin.password,
    });
    const delegate = (userIdentity: string) => () =>
      demo.tg.delegatedLogin.issue({ adminToken: pair.token, domain: 'datastore', userIdentity });
    const unknown = await refusal(directory, delegate('nobody@datastoreltd.biz'));
    expect(unknown).toMatchObject({ code: 'unknown_user', status: 404, calls: ['findUserByUsername'] });
    expect(await refusal(directory, delegate(bob.username))).toEqual(unknown);
    expect(await refusal(directory, delegate(root.username))).toEqual(unknown);
    expect(await refusal(directory, delegate(ava.username))).toEqual(unknown);
  });

  it('an enterprise administrator still reaches every organisation', async () => {
    const demo = await buildDemo();
    const caller = await accessPrincipal(demo.tg, root);
    const result = await demo.tg.userTokens.issue({
      caller,
      username: bob.username,
      environment: 'production',
    });
    expect((await demo.tg.requirePrincipal(bearer(result.token))).domain).toBe('acme');
  });
});
