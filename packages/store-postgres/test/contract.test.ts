import {
  createFastPasswordHasher,
  DAY,
  describeAuditLogContract,
  describeSigningKeyStoreContract,
  describeTokenStoreContract,
  describeUserDirectoryContract,
} from '@tollgate/store-tests';
import { afterAll } from 'vitest';
import { openPostgresStore } from '../src/index.js';
import { DATABASE_URL, quote, testSchemas, withAdmin } from './helpers.js';

// Every contract test gets a fresh, empty schema of its own, dropped after it.
const schemas = testSchemas();
afterAll(() => schemas.dropAll());

async function openFresh(
  passwordHasher = createFastPasswordHasher(),
  options: { poolSize?: number; auditRetentionDays?: number } = {},
) {
  const schema = schemas.next();
  const store = await openPostgresStore({
    connectionString: DATABASE_URL,
    schema,
    poolSize: options.poolSize ?? 4,
    passwordHasher,
    ...(options.auditRetentionDays === undefined ? {} : { auditRetentionDays: options.auditRetentionDays }),
  });
  const cleanup = async () => {
    await store.close();
    await withAdmin((client) => client.query(`DROP SCHEMA IF EXISTS ${quote(schema)} CASCADE`));
  };
  return { store, cleanup };
}

// 16 connections: the contract's 16 concurrent presentations of one token each get their own.
describeTokenStoreContract('postgres', async () => {
  const { store, cleanup } = await openFresh(createFastPasswordHasher(), { poolSize: 16 });
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

describeAuditLogContract('postgres', async ({ retentionMs }) => {
  const { store, cleanup } = await openFresh(createFastPasswordHasher(), {
    auditRetentionDays: retentionMs / DAY,
  });
  return { log: store.audit, cleanup };
});

// Each instance its own pool on one schema, opened together (the migrations race too).
describeSigningKeyStoreContract('postgres', async () => {
  const schema = schemas.next();
  return {
    open: async () => {
      const store = await openPostgresStore({
        connectionString: DATABASE_URL,
        schema,
        poolSize: 2,
        passwordHasher: createFastPasswordHasher(),
      });
      return { keys: store.signingKeys, close: () => store.close() };
    },
    cleanup: async () => {
      await withAdmin((client) => client.query(`DROP SCHEMA IF EXISTS ${quote(schema)} CASCADE`));
    },
  };
});
