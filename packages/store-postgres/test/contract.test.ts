import {
  createFastPasswordHasher,
  describeTokenStoreContract,
  describeUserDirectoryContract,
} from '@tollgate/store-tests';
import { afterAll } from 'vitest';
import { openPostgresStore } from '../src/index.js';
import { DATABASE_URL, quote, testSchemas, withAdmin } from './helpers.js';

// Every contract test gets a fresh, empty schema of its own, dropped after it.
const schemas = testSchemas();
afterAll(() => schemas.dropAll());

async function openFresh(passwordHasher = createFastPasswordHasher()) {
  const schema = schemas.next();
  const store = await openPostgresStore({
    connectionString: DATABASE_URL,
    schema,
    poolSize: 4,
    passwordHasher,
  });
  const cleanup = async () => {
    await store.close();
    await withAdmin((client) => client.query(`DROP SCHEMA IF EXISTS ${quote(schema)} CASCADE`));
  };
  return { store, cleanup };
}

describeTokenStoreContract('postgres', async () => {
  const { store, cleanup } = await openFresh();
  return { store: store.tokens, cleanup };
});

describeUserDirectoryContract('postgres', async (seed, passwordHasher) => {
  const { store, cleanup } = await openFresh(passwordHasher);
  try {
    await store.seed(seed);
  } catch (error) {
    await cleanup();
    throw error;
  }
  return { directory: store.users, cleanup };
});
