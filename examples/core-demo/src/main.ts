// A walk through the four documented token schemes with @tollgate/core on the embedded
// SQLite store, seeded with the demo accounts of CONTRACT.md. The HTTP examples come next.
import { createKeySet, createTollgate, generateSigningKey, isTollgateError } from '@tollgate/core';
import { openSqliteStore, seedDemoData } from '@tollgate/store-sqlite';

const filename = process.env.TOLLGATE_DB ?? 'tollgate-demo.db';
const store = openSqliteStore({ filename });
const { seeded } = await seedDemoData(store);

const tollgate = createTollgate({
  issuer: 'https://tollgate.local',
  audience: 'tollgate-demo',
  keys: createKeySet({ current: await generateSigningKey() }), // ES256
  store: store.tokens,
  users: store.users,
});

const short = (token: string) => `${token.slice(0, 24)}…(${token.length} chars)`;
const step = (title: string) => console.log(`\n== ${title}`);
async function refused(label: string, work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
    console.log(`  ${label}: accepted (unexpected)`);
  } catch (error) {
    if (!isTollgateError(error)) throw error;
    console.log(`  ${label}: refused, ${error.status} ${error.code}`);
  }
}

console.log(`Tollgate core demo on SQLite file ${filename}${seeded ? ' (demo data seeded)' : ''}`);

step('A. user tokens and environments');
const temporary = await tollgate.userTokens.login({
  username: 'ethan.buckley@datastoreltd.biz',
  password: 'S0qUx56pW!',
});
console.log(`  password login: ${short(temporary.token)} environment=${temporary.environment}`);
const environments = await tollgate.userTokens.environments({ token: temporary.token });
console.log(`  environments: ${environments.map((env) => `${env.id} (${env.name})`).join(', ')}`);
const staging = await tollgate.userTokens.refresh({ token: temporary.token, environment: 'staging' });
console.log(`  refreshed into ${staging.environment}, expires ${staging.expiresAt.toISOString()}`);
await refused('environment sandbox', () =>
  tollgate.userTokens.refresh({ token: staging.token, environment: 'sandbox' }),
);
await refused('administrator login', () =>
  tollgate.userTokens.login({ username: 'root@tollgate.local', password: 'Adm1n!root' }),
);

step('C. token pair with a rotating refresh token');
const pair = await tollgate.tokenPair.login({ username: 'bob@acme.test', password: 'Acme!user1' });
console.log(`  customerId=${pair.customerId} validityTime=${pair.validityTime}s`);
const rotated = await tollgate.tokenPair.refresh({ refreshToken: pair.refreshToken });
console.log(`  rotated: new refresh token ${short(rotated.refreshToken)}`);
await refused('old refresh token again', () =>
  tollgate.tokenPair.refresh({ refreshToken: pair.refreshToken }),
);
await refused('access token of the revoked family', () =>
  tollgate.requirePrincipal({ authorization: `Bearer ${rotated.token}` }),
);

step('B. admin-delegated login');
const admin = await tollgate.tokenPair.login({
  username: 'domain.admin@datastoreltd.biz',
  password: 'D0main!adm',
});
const delegated = await tollgate.delegatedLogin.issue({
  adminToken: admin.token,
  domain: 'datastore',
  userIdentity: 'ava.reader@datastoreltd.biz',
  customData: 'support ticket 4711',
});
const viaCookie = await tollgate.requirePrincipal({ cookie: `tollgate_session=${delegated.token}` });
console.log(`  signed in as ${viaCookie.username} by ${viaCookie.actor?.username} (${viaCookie.customData})`);
await refused('outside its domain', () =>
  tollgate.delegatedLogin.issue({ adminToken: admin.token, domain: 'acme', userIdentity: 'bob@acme.test' }),
);

step('D. JWT login and user authorization tokens');
const jwt = await tollgate.accessTokens.login({
  username: 'ethan.buckley@datastoreltd.biz',
  password: 'S0qUx56pW!',
});
const owner = await tollgate.requirePrincipal({ authorization: `JWT ${jwt.token}` });
console.log(`  JWT login: ${owner.username} with ${owner.permissions.length} permissions`);
const uat = await tollgate.uats.create({
  caller: owner,
  name: 'nightly export',
  expiresAt: new Date(Date.now() + 30 * 86_400_000),
  permissions: ['scans_download'],
});
console.log(`  UAT created: ${uat.prefix}… (shown once), permissions ${uat.permissions.join(', ')}`);
const viaUat = await tollgate.requirePrincipal({ authorization: `UAT ${uat.token}` });
tollgate.authorize(viaUat, { permissions: ['scans_download'] });
console.log('  UAT may download scans');
await refused('UAT creating a brand', async () =>
  tollgate.authorize(viaUat, { permissions: ['brand_create'] }),
);
await tollgate.uats.revoke({ caller: owner, id: uat.id });
await refused('revoked UAT', () => tollgate.requirePrincipal({ authorization: `UAT ${uat.token}` }));

await store.close();
console.log('\nDone. Run the tests with: pnpm test');
