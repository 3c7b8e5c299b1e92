import { describe, expect, it } from 'vitest';
import demo from '../demo-data.json' with { type: 'json' };
import {
  createKeySet,
  createMemoryTokenStore,
  createMemoryUserDirectory,
  createScryptPasswordHasher,
  createTollgate,
  generateSigningKey,
} from './helpers/internals.js';

describe('smoke', () => {
  it('runs every scheme', async () => {
    const keys = createKeySet({ current: await generateSigningKey() });
    const users = await createMemoryUserDirectory(demo as never, {
      passwordHasher: createScryptPasswordHasher({ logN: 10, r: 8, p: 1 }),
    });
    const tg = createTollgate({
      issuer: 'https://tollgate.test',
      audience: 'api',
      keys,
      store: createMemoryTokenStore(),
      users,
      refreshReuseIntervalSeconds: 0,
    });
    const ut = await tg.userTokens.login({
      username: 'ethan.buckley@datastoreltd.biz',
      password: 'S0qUx56pW!',
    });
    expect(ut.environment).toBeNull();
    const envs = await tg.userTokens.environments({ token: ut.token });
    expect(envs.map((e) => e.id)).toEqual(['production', 'staging']);
    const r = await tg.userTokens.refresh({ token: ut.token, environment: 'staging' });
    const p = await tg.requirePrincipal({ authorization: `Bearer ${r.token}` });
    expect(p.environment).toBe('staging');
    const admin = await tg.tokenPair.login({ username: 'root@tollgate.local', password: 'Adm1n!root' });
    const d = await tg.delegatedLogin.issue({
      adminToken: admin.token,
      domain: 'datastore',
      userIdentity: 'ava.reader@datastoreltd.biz',
      customData: 'x',
    });
    const dp = await tg.requirePrincipal({ cookie: `tollgate_session=${d.token}` });
    expect(dp.actor?.username).toBe('root@tollgate.local');
    const pair = await tg.tokenPair.login({ username: 'bob@acme.test', password: 'Acme!user1' });
    const pair2 = await tg.tokenPair.refresh({ refreshToken: pair.refreshToken });
    await expect(tg.tokenPair.refresh({ refreshToken: pair.refreshToken })).rejects.toMatchObject({
      code: 'refresh_token_reused',
    });
    await expect(tg.requirePrincipal({ authorization: `Bearer ${pair2.token}` })).rejects.toMatchObject({
      code: 'token_revoked',
    });
    const jwtLogin = await tg.accessTokens.login({
      username: 'ethan.buckley@datastoreltd.biz',
      password: 'S0qUx56pW!',
    });
    const caller = await tg.requirePrincipal({ authorization: `JWT ${jwtLogin.token}` });
    const uat = await tg.uats.create({
      caller,
      name: 'ci',
      expiresAt: new Date(Date.now() + 86400000),
      permissions: ['brand_create'],
    });
    const up = await tg.requirePrincipal({ authorization: `UAT ${uat.token}` });
    expect(up.permissions).toEqual(['brand_create']);
    await tg.uats.revoke({ caller, id: uat.id });
    await expect(tg.requirePrincipal({ authorization: `UAT ${uat.token}` })).rejects.toMatchObject({
      code: 'token_revoked',
    });
  });
});
