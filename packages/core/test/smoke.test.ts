import { describe, expect, it } from 'vitest';
import demo from '../demo-data.json' with { type: 'json' };
import {
  createKeySet,
  createMemoryTokenStore,
  createMemoryUserDirectory,
  createScryptPasswordHasher,
  createTollgate,
  generateSigningKey,
} from '../src/index.js';

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
    });
    const ut = await tg.loginForUserToken({
      username: 'ethan.buckley@datastoreltd.biz',
      password: 'S0qUx56pW!',
    });
    expect(ut.environment).toBeNull();
    const envs = await tg.listEnvironments({ token: ut.token });
    expect(envs.map((e) => e.id)).toEqual(['production', 'staging']);
    const r = await tg.refreshUserToken({ token: ut.token, environment: 'staging' });
    const p = await tg.authenticate({ authorization: `Bearer ${r.token}` });
    expect(p.environment).toBe('staging');
    const admin = await tg.loginForTokenPair({ username: 'root@tollgate.local', password: 'Adm1n!root' });
    const d = await tg.delegate({
      adminToken: admin.token,
      domain: 'datastore',
      userIdentity: 'ava.reader@datastoreltd.biz',
      customData: 'x',
    });
    const dp = await tg.authenticate({ cookie: `tollgate_session=${d.token}` });
    expect(dp.actor?.username).toBe('root@tollgate.local');
    const pair = await tg.loginForTokenPair({ username: 'bob@acme.test', password: 'Acme!user1' });
    const pair2 = await tg.refreshTokenPair({ refreshToken: pair.refreshToken });
    await expect(tg.refreshTokenPair({ refreshToken: pair.refreshToken })).rejects.toMatchObject({
      code: 'refresh_token_reused',
    });
    await expect(tg.authenticate({ authorization: `Bearer ${pair2.token}` })).rejects.toMatchObject({
      code: 'token_revoked',
    });
    const jwtLogin = await tg.loginForAccessToken({
      username: 'ethan.buckley@datastoreltd.biz',
      password: 'S0qUx56pW!',
    });
    const caller = await tg.authenticate({ authorization: `JWT ${jwtLogin.token}` });
    const uat = await tg.createUat({
      caller,
      name: 'ci',
      expiresAt: new Date(Date.now() + 86400000),
      permissions: ['brand_create'],
    });
    const up = await tg.authenticate({ authorization: `UAT ${uat.token}` });
    expect(up.permissions).toEqual(['brand_create']);
    await tg.revokeUat({ caller, id: uat.id });
    await expect(tg.authenticate({ authorization: `UAT ${uat.token}` })).rejects.toMatchObject({
      code: 'token_revoked',
    });
  });
});
