/**
 * Shared by the sessions-, lifecycle-, revocation- and audit- suites: one credential of every kind
 * for a demo user, and how to present each one.
 */
import { expect } from 'vitest';
import type { Principal, RequestCredentials, TokenPairResult, Tollgate } from './helpers/internals.js';
import { ACCOUNTS, DAY, type Demo, type DemoAccount, settle } from './helpers/operation-rules.js';

const { root } = ACCOUNTS;

/** How each kind of credential is sent. */
export const as = {
  jwt: (token: string): RequestCredentials => ({ authorization: `JWT ${token}` }),
  bearer: (token: string): RequestCredentials => ({ authorization: `Bearer ${token}` }),
  cookie: (token: string): RequestCredentials => ({ cookie: `tollgate_session=${token}` }),
  uat: (token: string): RequestCredentials => ({ authorization: `UAT ${token}` }),
};

/** One credential of every kind a user can hold, each in a session of its own (the UAT in none). */
export interface Credentials {
  /** Scheme D's JWT login. */
  readonly jwt: string;
  /** Scheme A's user token from a password login. */
  readonly userToken: string;
  /** Scheme A's user token an administrator issued (names it as actor). */
  readonly issuedUserToken: string;
  /** Scheme C's token pair. */
  readonly pair: TokenPairResult;
  /** Scheme B's security token. */
  readonly delegated: string;
  readonly delegatedSessionId: string;
  /** A UAT (only for a company admin; null otherwise). */
  readonly uat: string | null;
  /** Every token value above (for searching the audit log). */
  readonly values: readonly string[];
  /** Each presentable credential, named. */
  readonly requests: readonly (readonly [string, RequestCredentials])[];
}

/** The administrator's principal, from a token pair login (an "admin access token"). */
export async function adminCaller(
  tg: Tollgate,
  account: DemoAccount = root,
): Promise<{ readonly principal: Principal; readonly token: string }> {
  const { token } = await tg.tokenPair.login({ username: account.username, password: account.password });
  return { principal: await tg.requirePrincipal(as.bearer(token)), token };
}

/**
 * Logs `account` in every way (the clock moves 1 ms between sessions, so they sort), an administrator
 * (`root` by default) issuing the user token and the delegated login. `withUat` for a company admin.
 */
export async function allCredentials(
  demo: Demo,
  account: DemoAccount,
  options: { readonly withUat?: boolean; readonly admin?: DemoAccount; readonly domain?: string } = {},
): Promise<Credentials> {
  const { tg, clock } = demo;
  const login = { username: account.username, password: account.password };
  const admin = await adminCaller(tg, options.admin ?? root);
  const { token: jwt } = await tg.accessTokens.login(login);
  clock.advance(1);
  const { token: userToken } = await tg.userTokens.login(login);
  clock.advance(1);
  const { token: issuedUserToken } = await tg.userTokens.issue({
    caller: admin.principal,
    username: account.username,
  });
  clock.advance(1);
  const pair = await tg.tokenPair.login(login);
  clock.advance(1);
  const delegated = await tg.delegatedLogin.issue({
    adminToken: admin.token,
    domain: options.domain ?? 'datastore',
    userIdentity: account.username,
    customData: 'ticket 4711',
  });
  clock.advance(1);
  let uat: string | null = null;
  if (options.withUat) {
    const caller = await tg.requirePrincipal(as.bearer(pair.token));
    const created = await tg.uats.create({
      caller,
      name: 'ci',
      expiresAt: new Date(clock.now() + 30 * DAY),
      permissions: ['scans_download'],
    });
    uat = created.token;
  }
  const requests: [string, RequestCredentials][] = [
    ['JWT login', as.jwt(jwt)],
    ['user token', as.bearer(userToken)],
    ['issued user token', as.bearer(issuedUserToken)],
    ['token pair access token', as.bearer(pair.token)],
    ['delegated (cookie)', as.cookie(delegated.token)],
    ['delegated (Bearer)', as.bearer(delegated.token)],
  ];
  if (uat !== null) requests.push(['UAT', as.uat(uat)]);
  const values = [
    jwt,
    userToken,
    issuedUserToken,
    pair.token,
    pair.refreshToken,
    delegated.token,
    admin.token,
  ];
  if (uat !== null) values.push(uat);
  return {
    jwt,
    userToken,
    issuedUserToken,
    pair,
    delegated: delegated.token,
    delegatedSessionId: delegated.sessionId,
    uat,
    values,
    requests,
  };
}

/** `authenticate`'s verdict: the user's id, or the refusal's code. */
export async function verdict(tg: Tollgate, request: RequestCredentials): Promise<string> {
  const result = await tg.authenticate(request);
  return result.ok ? `ok:${result.principal.userId}` : result.error.code;
}

/** Every credential accepted, and presented often enough that each is in the cache. */
export async function expectAllAcceptedAndCached(
  tg: Tollgate,
  requests: Credentials['requests'],
  userId: string,
): Promise<void> {
  for (const [name, request] of requests) {
    for (let i = 0; i < 3; i++) expect(await verdict(tg, request), name).toBe(`ok:${userId}`);
  }
  await settle();
}

/** Every credential refused with `code`. */
export async function expectAllRefused(
  tg: Tollgate,
  requests: Credentials['requests'],
  code = 'token_revoked',
): Promise<void> {
  const got = Object.fromEntries(
    await Promise.all(requests.map(async ([name, request]) => [name, await verdict(tg, request)] as const)),
  );
  expect(got).toEqual(Object.fromEntries(requests.map(([name]) => [name, code])));
}

/**
 * Lets an instance learn the revocations other instances made: its revocation state is due for a
 * sync after `syncIntervalMs` (1 s by default); the next request starts it in the background.
 */
export async function letSync(demo: Demo, other: Tollgate, poke: RequestCredentials): Promise<void> {
  demo.clock.advance(1000);
  await other.authenticate(poke);
  await settle();
}
