/**
 * Scheme A (CONTRACT.md "user tokens and environments"): loginForUserToken, issueUserToken,
 * refreshUserToken and listEnvironments, every rule and refusal at the core level.
 */
import { describe, expect, it } from 'vitest';
import { createKeySet, DEFAULT_LIFETIMES, generateSigningKey } from './helpers/internals.js';
import {
  ACCOUNTS,
  accessPrincipal,
  buildDemo,
  buildMutableDemo,
  countingHasher,
  DAY,
  demoSeed,
  HOUR,
  jwtPayload,
  MINUTE,
  ORG,
  rejectsWith,
  rejectsWithOneOf,
  SECOND,
  seedUser,
} from './helpers/operation-rules.js';

const { ethan, ava, bob, domainAdmin, root } = ACCOUNTS;

describe('scheme A: loginForUserToken', () => {
  it('without an environment returns a user token bound to no environment, valid for the user-token lifetime', async () => {
    const { tg, clock } = await buildDemo();
    const result = await tg.userTokens.login({ username: ethan.username, password: ethan.password });
    expect(result.environment).toBeNull();
    expect(result.expiresAt.getTime()).toBe(clock.now() + DEFAULT_LIFETIMES.userToken * SECOND);
    const principal = await tg.requirePrincipal({ authorization: `Bearer ${result.token}` });
    expect(principal).toMatchObject({
      userId: ethan.id,
      username: ethan.username,
      customerId: ORG.datastore,
      tokenKind: 'user',
      source: 'Bearer',
      environment: null,
      actor: null,
    });
  });

  it('with an environment the user may use returns a token bound to it', async () => {
    const { tg } = await buildDemo();
    const result = await tg.userTokens.login({
      username: ethan.username,
      password: ethan.password,
      environment: 'staging',
    });
    expect(result.environment).toBe('staging');
    const principal = await tg.requirePrincipal({ authorization: `Bearer ${result.token}` });
    expect(principal.environment).toBe('staging');
  });

  it('treats a null or empty environment as none', async () => {
    const { tg } = await buildDemo();
    const a = await tg.userTokens.login({
      username: ava.username,
      password: ava.password,
      environment: null,
    });
    const b = await tg.userTokens.login({ username: ava.username, password: ava.password, environment: '' });
    expect([a.environment, b.environment]).toEqual([null, null]);
  });

  it('refuses a wrong password with invalid_credentials (401)', async () => {
    const { tg } = await buildDemo();
    await rejectsWith(
      tg.userTokens.login({ username: ethan.username, password: 'wrong-password' }),
      'invalid_credentials',
      401,
    );
  });

  it('refuses an unknown user with invalid_credentials (401), the same error as a wrong password', async () => {
    const { tg } = await buildDemo();
    const unknown = await rejectsWith(
      tg.userTokens.login({ username: 'nobody@datastoreltd.biz', password: 'S0qUx56pW!' }),
      'invalid_credentials',
      401,
    );
    const wrong = await rejectsWith(
      tg.userTokens.login({ username: ethan.username, password: 'S0qUx56pW?' }),
      'invalid_credentials',
      401,
    );
    expect(unknown.message).toBe(wrong.message);
  });

  it('costs exactly one password verification for a wrong password and for an unknown user', async () => {
    const hasher = countingHasher();
    const { tg } = await buildDemo({ hasher });

    hasher.reset();
    await rejectsWith(
      tg.userTokens.login({ username: ethan.username, password: 'wrong' }),
      'invalid_credentials',
    );
    const wrongPassword = { ...hasher.calls };

    hasher.reset();
    await rejectsWith(
      tg.userTokens.login({ username: 'nobody@example.test', password: 'wrong' }),
      'invalid_credentials',
    );
    const unknownUser = { ...hasher.calls };

    expect(wrongPassword).toEqual({ hash: 0, verify: 1, verifyDummy: 0 });
    expect(unknownUser).toEqual({ hash: 0, verify: 0, verifyDummy: 1 });
    expect(wrongPassword.verify + wrongPassword.verifyDummy).toBe(
      unknownUser.verify + unknownUser.verifyDummy,
    );
  });

  it('never echoes the password in the refusal', async () => {
    const { tg } = await buildDemo();
    const password = 'S3cret-Guess!';
    const error = await rejectsWith(
      tg.userTokens.login({ username: ethan.username, password }),
      'invalid_credentials',
    );
    expect(`${error.message} ${String(error.cause)}`).not.toContain(password);
  });

  it('refuses an administrator with administrator_not_allowed (403), enterprise or domain admin', async () => {
    const { tg } = await buildDemo();
    await rejectsWith(
      tg.userTokens.login({ username: root.username, password: root.password }),
      'administrator_not_allowed',
      403,
    );
    await rejectsWith(
      tg.userTokens.login({ username: domainAdmin.username, password: domainAdmin.password }),
      'administrator_not_allowed',
      403,
    );
  });

  it('checks the password before telling that an account is an administrator', async () => {
    const { tg } = await buildDemo();
    await rejectsWith(
      tg.userTokens.login({ username: root.username, password: 'guess' }),
      'invalid_credentials',
      401,
    );
  });

  it('refuses an environment the user may not use with environment_not_allowed (403)', async () => {
    const { tg } = await buildDemo();
    // sandbox exists but is not one of ava's environments (she has staging only).
    await rejectsWith(
      tg.userTokens.login({ username: ava.username, password: ava.password, environment: 'sandbox' }),
      'environment_not_allowed',
      403,
    );
    await rejectsWith(
      tg.userTokens.login({ username: ava.username, password: ava.password, environment: 'production' }),
      'environment_not_allowed',
      403,
    );
  });

  it('refuses an unknown environment with environment_not_allowed (403)', async () => {
    const { tg } = await buildDemo();
    await rejectsWith(
      tg.userTokens.login({ username: ethan.username, password: ethan.password, environment: 'moon' }),
      'environment_not_allowed',
      403,
    );
  });

  it('refuses an environment the user lists but the catalogue does not have', async () => {
    const seed = demoSeed((s) => {
      seedUser(s, ava.username).environments.push('moon');
    });
    const { tg } = await buildDemo({ seed });
    await rejectsWith(
      tg.userTokens.login({ username: ava.username, password: ava.password, environment: 'moon' }),
      'environment_not_allowed',
      403,
    );
  });

  it('refuses an empty username or password with malformed_request (400)', async () => {
    const { tg } = await buildDemo();
    await rejectsWith(tg.userTokens.login({ username: '', password: 'x' }), 'malformed_request', 400);
    await rejectsWith(
      tg.userTokens.login({ username: ethan.username, password: '' }),
      'malformed_request',
      400,
    );
  });

  it('issues a user token that is refused as an access token (Authorization: JWT)', async () => {
    const { tg } = await buildDemo();
    const { token } = await tg.userTokens.login({ username: ethan.username, password: ethan.password });
    await rejectsWith(tg.requirePrincipal({ authorization: `JWT ${token}` }), 'wrong_token_kind', 401);
  });
});

describe('scheme A: issueUserToken (an administrator issues a token for a user)', () => {
  it('lets an enterprise admin issue a token for a user of any domain', async () => {
    const { tg } = await buildDemo();
    const caller = await accessPrincipal(tg, root);
    const forEthan = await tg.userTokens.issue({
      caller,
      username: ethan.username,
      environment: 'production',
    });
    const forBob = await tg.userTokens.issue({ caller, username: bob.username });
    expect(forEthan.environment).toBe('production');
    expect(forBob.environment).toBeNull();
    const p1 = await tg.requirePrincipal({ authorization: `Bearer ${forEthan.token}` });
    const p2 = await tg.requirePrincipal({ authorization: `Bearer ${forBob.token}` });
    expect([p1.username, p1.tokenKind, p1.environment, p1.actor]).toEqual([
      ethan.username,
      'user',
      'production',
      { userId: root.id, username: root.username },
    ]);
    expect([p2.username, p2.customerId, p2.domain]).toEqual([bob.username, ORG.acme, 'acme']);
  });

  it('accepts an administrator access token from the JWT login as well as from the token pair', async () => {
    const { tg } = await buildDemo();
    const { token } = await tg.accessTokens.login({ username: root.username, password: root.password });
    const caller = await tg.requirePrincipal({ authorization: `Bearer ${token}` });
    const result = await tg.userTokens.issue({ caller, username: ava.username, environment: 'staging' });
    expect(result.environment).toBe('staging');
  });

  it('lets a domain admin issue a token for a user inside its domain', async () => {
    const { tg } = await buildDemo();
    const caller = await accessPrincipal(tg, domainAdmin);
    const result = await tg.userTokens.issue({ caller, username: ava.username, environment: 'staging' });
    const principal = await tg.requirePrincipal({ authorization: `Bearer ${result.token}` });
    expect([principal.username, principal.environment]).toEqual([ava.username, 'staging']);
  });

  it('refuses a domain admin asking for a user outside its domain with unknown_user (404), as for an unknown one', async () => {
    const { tg } = await buildDemo();
    const caller = await accessPrincipal(tg, domainAdmin);
    await rejectsWith(tg.userTokens.issue({ caller, username: bob.username }), 'unknown_user', 404);
  });

  it('refuses a customer caller with not_an_administrator (403), even a company_admin', async () => {
    const { tg } = await buildDemo();
    const caller = await accessPrincipal(tg, ethan);
    await rejectsWith(tg.userTokens.issue({ caller, username: ava.username }), 'not_an_administrator', 403);
  });

  it('refuses an administrator with neither admin role with not_an_administrator (403)', async () => {
    const seed = demoSeed((s) => {
      seedUser(s, domainAdmin.username).roles = [];
    });
    const { tg } = await buildDemo({ seed });
    const caller = await accessPrincipal(tg, domainAdmin);
    await rejectsWith(tg.userTokens.issue({ caller, username: ava.username }), 'not_an_administrator', 403);
  });

  it('refuses an unknown user with unknown_user (404)', async () => {
    const { tg } = await buildDemo();
    const caller = await accessPrincipal(tg, root);
    await rejectsWith(
      tg.userTokens.issue({ caller, username: 'nobody@datastoreltd.biz' }),
      'unknown_user',
      404,
    );
  });

  it('refuses an administrator as the target with administrator_not_allowed (403)', async () => {
    const { tg } = await buildDemo();
    const rootCaller = await accessPrincipal(tg, root);
    await rejectsWith(
      tg.userTokens.issue({ caller: rootCaller, username: domainAdmin.username }),
      'administrator_not_allowed',
      403,
    );
    await rejectsWith(
      tg.userTokens.issue({ caller: rootCaller, username: root.username }),
      'administrator_not_allowed',
      403,
    );
    const domainCaller = await accessPrincipal(tg, domainAdmin);
    await rejectsWith(
      tg.userTokens.issue({ caller: domainCaller, username: domainAdmin.username }),
      'administrator_not_allowed',
      403,
    );
  });

  it('refuses a principal of a delegated (scheme B) token with delegated_token_not_allowed (403)', async () => {
    const { tg } = await buildDemo();
    const admin = await tg.tokenPair.login({ username: root.username, password: root.password });
    const delegated = await tg.delegatedLogin.issue({
      adminToken: admin.token,
      domain: 'datastore',
      userIdentity: ethan.username,
    });
    const caller = await tg.requirePrincipal({ cookie: `tollgate_session=${delegated.token}` });
    expect(caller.tokenKind).toBe('delegated');
    await rejectsWith(
      tg.userTokens.issue({ caller, username: ava.username }),
      'delegated_token_not_allowed',
      403,
    );
  });

  it('refuses a caller authenticated by a user token (not an access token) with wrong_token_kind (401)', async () => {
    // CONTRACT.md asks for "an admin access token"; a user token is another kind of token, refused as such.
    const { tg } = await buildDemo();
    const { token } = await tg.userTokens.login({ username: ethan.username, password: ethan.password });
    const caller = await tg.requirePrincipal({ authorization: `Bearer ${token}` });
    await rejectsWith(tg.userTokens.issue({ caller, username: ava.username }), 'wrong_token_kind', 401);
  });

  it('refuses an environment the target user may not use with environment_not_allowed (403)', async () => {
    const { tg } = await buildDemo();
    const caller = await accessPrincipal(tg, root);
    await rejectsWith(
      tg.userTokens.issue({ caller, username: ava.username, environment: 'production' }),
      'environment_not_allowed',
      403,
    );
    await rejectsWith(
      tg.userTokens.issue({ caller, username: ava.username, environment: 'moon' }),
      'environment_not_allowed',
      403,
    );
  });

  it('starts a new session for the issued token', async () => {
    const { tg, clock } = await buildDemo();
    clock.advance(5 * DAY);
    const caller = await accessPrincipal(tg, root);
    const result = await tg.userTokens.issue({ caller, username: ava.username });
    expect(jwtPayload(result.token).auth_time).toBe(clock.now() / SECOND);
  });
});

describe('scheme A: refreshUserToken', () => {
  it('returns a new token that keeps the environment when none is given', async () => {
    const { tg, clock } = await buildDemo();
    const first = await tg.userTokens.login({
      username: ethan.username,
      password: ethan.password,
      environment: 'staging',
    });
    clock.advance(10 * MINUTE);
    const next = await tg.userTokens.refresh({ token: first.token });
    expect(next.token).not.toBe(first.token);
    expect(next.environment).toBe('staging');
    expect(next.expiresAt.getTime()).toBe(clock.now() + DEFAULT_LIFETIMES.userToken * SECOND);
    expect((await tg.requirePrincipal({ authorization: `Bearer ${next.token}` })).environment).toBe(
      'staging',
    );
  });

  it('keeps "no environment" when none is given', async () => {
    const { tg } = await buildDemo();
    const first = await tg.userTokens.login({ username: ethan.username, password: ethan.password });
    const next = await tg.userTokens.refresh({ token: first.token, environment: null });
    expect(next.environment).toBeNull();
  });

  it('switches to the environment given', async () => {
    const { tg } = await buildDemo();
    const first = await tg.userTokens.login({
      username: ethan.username,
      password: ethan.password,
      environment: 'staging',
    });
    const next = await tg.userTokens.refresh({ token: first.token, environment: 'production' });
    expect(next.environment).toBe('production');
    expect((await tg.requirePrincipal({ authorization: `Bearer ${next.token}` })).environment).toBe(
      'production',
    );
  });

  it('binds a temporary token (no environment) to the environment given: the documented flow', async () => {
    const { tg } = await buildDemo();
    const temporary = await tg.userTokens.login({ username: ava.username, password: ava.password });
    const environments = await tg.userTokens.environments({ token: temporary.token });
    const chosen = environments[0];
    expect(chosen?.id).toBe('staging');
    const bound = await tg.userTokens.refresh({ token: temporary.token, environment: chosen?.id ?? null });
    expect(bound.environment).toBe('staging');
  });

  it('refuses an environment the user may not use with environment_not_allowed (403)', async () => {
    const { tg } = await buildDemo();
    const first = await tg.userTokens.login({
      username: ava.username,
      password: ava.password,
      environment: 'staging',
    });
    await rejectsWith(
      tg.userTokens.refresh({ token: first.token, environment: 'production' }),
      'environment_not_allowed',
      403,
    );
    await rejectsWith(
      tg.userTokens.refresh({ token: first.token, environment: 'moon' }),
      'environment_not_allowed',
      403,
    );
  });

  it('refuses to keep an environment the user has lost since the token was issued', async () => {
    const { tg, users } = await buildMutableDemo();
    const first = await tg.userTokens.login({
      username: ethan.username,
      password: ethan.password,
      environment: 'staging',
    });
    users.update(ethan.id, { environments: ['production'] });
    await rejectsWith(tg.userTokens.refresh({ token: first.token }), 'environment_not_allowed', 403);
  });

  it('refuses an expired token with token_expired (401)', async () => {
    const { tg, clock } = await buildDemo();
    const first = await tg.userTokens.login({ username: ethan.username, password: ethan.password });
    clock.advance(DEFAULT_LIFETIMES.userToken * SECOND - 1);
    await tg.userTokens.refresh({ token: first.token });
    clock.advance(1);
    await rejectsWith(tg.userTokens.refresh({ token: first.token }), 'token_expired', 401);
  });

  it('refuses a malformed or tampered token with invalid_token (401)', async () => {
    const { tg } = await buildDemo();
    const { token } = await tg.userTokens.login({ username: ethan.username, password: ethan.password });
    await rejectsWith(tg.userTokens.refresh({ token: 'not-a-token' }), 'invalid_token', 401);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = jwtPayload(token);
    const forged = Buffer.from(JSON.stringify({ ...claims, env: 'production', sub: ava.id })).toString(
      'base64url',
    );
    await rejectsWith(
      tg.userTokens.refresh({ token: `${header}.${forged}.${signature}` }),
      'invalid_token',
      401,
    );
    const flipped = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
    await rejectsWith(
      tg.userTokens.refresh({ token: `${header}.${payload}.${flipped}` }),
      'invalid_token',
      401,
    );
  });

  it('refuses a token signed by another key set with invalid_token (401)', async () => {
    const other = await buildDemo({ keys: createKeySet({ current: await generateSigningKey() }) });
    const { tg } = await buildDemo();
    const { token } = await other.tg.userTokens.login({
      username: ethan.username,
      password: ethan.password,
    });
    await rejectsWith(tg.userTokens.refresh({ token }), 'invalid_token', 401);
  });

  it('refuses an access token or a delegated token with a 401 (only user tokens refresh here)', async () => {
    const { tg } = await buildDemo();
    const pair = await tg.tokenPair.login({ username: ethan.username, password: ethan.password });
    await rejectsWith(tg.userTokens.refresh({ token: pair.token }), 'wrong_token_kind', 401);
    const admin = await tg.tokenPair.login({ username: root.username, password: root.password });
    const delegated = await tg.delegatedLogin.issue({
      adminToken: admin.token,
      domain: 'datastore',
      userIdentity: ethan.username,
    });
    await rejectsWithOneOf(
      tg.userTokens.refresh({ token: delegated.token }),
      ['invalid_token', 'wrong_token_kind'],
      401,
    );
  });

  it('refuses a token whose user no longer exists with invalid_token (401)', async () => {
    const { tg, users } = await buildMutableDemo();
    const { token } = await tg.userTokens.login({ username: ava.username, password: ava.password });
    users.remove(ava.id);
    await rejectsWith(tg.userTokens.refresh({ token }), 'invalid_token', 401);
  });

  it('never lets a chain of refreshes outlive the absolute session lifetime counted from the first login', async () => {
    const { tg, clock } = await buildDemo();
    const sessionEnd = clock.now() + DEFAULT_LIFETIMES.session * SECOND;
    let current = await tg.userTokens.login({
      username: ethan.username,
      password: ethan.password,
      environment: 'staging',
    });
    const sessionStart = jwtPayload(current.token).auth_time;
    let refreshes = 0;
    let refusal: unknown;
    while (refusal === undefined) {
      clock.advance(50 * MINUTE);
      try {
        current = await tg.userTokens.refresh({ token: current.token });
      } catch (error) {
        refusal = error;
        break;
      }
      refreshes += 1;
      expect(current.expiresAt.getTime()).toBeLessThanOrEqual(sessionEnd);
      expect(jwtPayload(current.token).auth_time).toBe(sessionStart);
      expect(current.environment).toBe('staging');
    }
    // 30 days of refreshes every 50 minutes; the last token was capped at the session end and has lapsed.
    // With no clock-skew leeway its expiry is reached first, so the refusal is token_expired (a 401).
    expect(refreshes).toBe(DEFAULT_LIFETIMES.session / (50 * 60) - 1);
    expect(current.expiresAt.getTime()).toBe(sessionEnd);
    expect(refusal).toMatchObject({ code: 'token_expired', status: 401 });
    expect(clock.now()).toBeGreaterThanOrEqual(sessionEnd);
    expect(clock.now()).toBeLessThan(sessionEnd + 50 * MINUTE);
  });

  it('refuses with session_expired (401) at the session end when the leeway keeps the last token alive', async () => {
    const lifetimes = { userToken: HOUR / SECOND, session: 4 * (HOUR / SECOND) };
    const { tg, clock } = await buildDemo({ options: { lifetimes, leewaySeconds: 120 } });
    const sessionEnd = clock.now() + lifetimes.session * SECOND;
    let current = await tg.userTokens.login({ username: ava.username, password: ava.password });
    let refusal: unknown;
    while (refusal === undefined) {
      clock.advance(24 * MINUTE);
      try {
        current = await tg.userTokens.refresh({ token: current.token });
      } catch (error) {
        refusal = error;
        break;
      }
      expect(current.expiresAt.getTime()).toBeLessThanOrEqual(sessionEnd);
    }
    expect(refusal).toMatchObject({ code: 'session_expired', status: 401 });
    // The first refusal comes exactly at the session end (4 h = 10 steps of 24 min), not later.
    expect(clock.now()).toBe(sessionEnd);
    await rejectsWith(tg.userTokens.environments({ token: current.token }), 'session_expired', 401);
  });

  it('refuses an empty token with malformed_request (400)', async () => {
    const { tg } = await buildDemo();
    await rejectsWith(tg.userTokens.refresh({ token: '' }), 'malformed_request', 400);
  });
});

describe('scheme A: listEnvironments', () => {
  it('works for a token with no environment and returns the user’s environments with their names', async () => {
    const { tg } = await buildDemo();
    const { token, environment } = await tg.userTokens.login({
      username: ethan.username,
      password: ethan.password,
    });
    expect(environment).toBeNull();
    expect(await tg.userTokens.environments({ token })).toEqual([
      { id: 'production', name: 'Production' },
      { id: 'staging', name: 'Staging' },
    ]);
  });

  it('returns only that user’s environments', async () => {
    const { tg } = await buildDemo();
    const avaToken = await tg.userTokens.login({ username: ava.username, password: ava.password });
    const bobToken = await tg.userTokens.login({ username: bob.username, password: bob.password });
    expect(await tg.userTokens.environments({ token: avaToken.token })).toEqual([
      { id: 'staging', name: 'Staging' },
    ]);
    expect(await tg.userTokens.environments({ token: bobToken.token })).toEqual([
      { id: 'production', name: 'Production' },
    ]);
  });

  it('works for a token bound to an environment too', async () => {
    const { tg } = await buildDemo();
    const { token } = await tg.userTokens.login({
      username: ethan.username,
      password: ethan.password,
      environment: 'staging',
    });
    expect((await tg.userTokens.environments({ token })).map((e) => e.id)).toEqual(['production', 'staging']);
  });

  it('leaves out environments the catalogue does not have', async () => {
    const seed = demoSeed((s) => {
      seedUser(s, ava.username).environments.push('moon');
    });
    const { tg } = await buildDemo({ seed });
    const { token } = await tg.userTokens.login({ username: ava.username, password: ava.password });
    expect(await tg.userTokens.environments({ token })).toEqual([{ id: 'staging', name: 'Staging' }]);
  });

  it('refuses a bad token with invalid_token (401) and an expired one with token_expired (401)', async () => {
    const { tg, clock } = await buildDemo();
    await rejectsWith(tg.userTokens.environments({ token: 'garbage' }), 'invalid_token', 401);
    const { token } = await tg.userTokens.login({ username: ethan.username, password: ethan.password });
    clock.advance(DEFAULT_LIFETIMES.userToken * SECOND);
    await rejectsWith(tg.userTokens.environments({ token }), 'token_expired', 401);
  });

  it('refuses an access token with wrong_token_kind (401)', async () => {
    const { tg } = await buildDemo();
    const { token } = await tg.accessTokens.login({ username: ethan.username, password: ethan.password });
    await rejectsWith(tg.userTokens.environments({ token }), 'wrong_token_kind', 401);
  });
});
