/**
 * What only the passport tests need, on top of `@tollgate/test-kit`: a demo Tollgate whose store can
 * be taken down, its HTTP handler (no profiles), and one token of each kind the strategies accept.
 */
import { createTollgate, type TokenStore, type Tollgate } from '@tollgate/core';
import { createHttpHandler, type TollgateHttp } from '@tollgate/core/http';
import { createMemoryTokenStore } from '@tollgate/core/testing';
import { BOB, demoTollgateOptions, ETHAN, ROOT } from '@tollgate/test-kit';

export interface Demo {
  readonly tollgate: Tollgate;
  readonly http: TollgateHttp;
  /** While `down`, every token store call fails as an unreachable database would. */
  readonly store: { down: boolean };
}

export async function demoTollgate(): Promise<Demo> {
  const memory = createMemoryTokenStore();
  const state = { down: false };
  const store = new Proxy(memory, {
    get(target, key: keyof TokenStore) {
      const value = target[key];
      if (typeof value !== 'function' || !state.down) return value;
      return () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    },
  });
  const tollgate = createTollgate(await demoTollgateOptions({ store }));
  const http = createHttpHandler(tollgate, { cookie: { secure: false }, profiles: [] });
  return { tollgate, http, store: state };
}

/** One token of each kind the strategies accept, for ethan (the delegated one signed by root). */
export async function demoTokens(tollgate: Tollgate) {
  const jwt = (await tollgate.accessTokens.login(ETHAN)).token;
  const access = (await tollgate.tokenPair.login(BOB)).token;
  const caller = await tollgate.requirePrincipal({ authorization: `JWT ${jwt}` });
  const uat = await tollgate.uats.create({
    caller,
    name: 'tests',
    expiresAt: new Date(Date.now() + 86_400_000),
    permissions: ['scans_download'],
  });
  const rootAccess = (await tollgate.tokenPair.login(ROOT)).token;
  const session = await tollgate.delegatedLogin.issue({
    adminToken: rootAccess,
    domain: 'datastore',
    userIdentity: ETHAN.username,
    customData: 'tests',
  });
  return { jwt, access, uat: uat.token, delegated: session.token };
}
