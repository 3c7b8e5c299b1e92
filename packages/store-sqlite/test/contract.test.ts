import path from 'node:path';
import {
  createFastPasswordHasher,
  DAY,
  describeAuditLogContract,
  describeSigningKeyStoreContract,
  describeTokenStoreContract,
  describeUserDirectoryContract,
} from '@tollgate/store-tests';
import { openSqliteStore } from '../src/index.js';
import { DRIVERS, tempDir } from './helpers.js';

for (const driver of DRIVERS) {
  describeTokenStoreContract(`sqlite file (${driver})`, async () => {
    const { dir, remove } = tempDir();
    const store = openSqliteStore({
      filename: path.join(dir, 'tollgate.db'),
      driver,
      passwordHasher: createFastPasswordHasher(),
    });
    return {
      store: store.tokens,
      cleanup: async () => {
        await store.close();
        remove();
      },
    };
  });

  describeTokenStoreContract(`sqlite :memory: (${driver})`, async () => {
    const store = openSqliteStore({
      filename: ':memory:',
      driver,
      passwordHasher: createFastPasswordHasher(),
    });
    return { store: store.tokens, cleanup: () => store.close() };
  });

  describeUserDirectoryContract(`sqlite file (${driver})`, async (seed, passwordHasher) => {
    const { dir, remove } = tempDir();
    const store = openSqliteStore({ filename: path.join(dir, 'tollgate.db'), driver, passwordHasher });
    try {
      await store.seed(seed);
    } catch (error) {
      await store.close();
      remove();
      throw error;
    }
    return {
      directory: store.users,
      cleanup: async () => {
        await store.close();
        remove();
      },
    };
  });

  describeAuditLogContract(`sqlite file (${driver})`, async ({ retentionMs }) => {
    const { dir, remove } = tempDir();
    const store = openSqliteStore({
      filename: path.join(dir, 'tollgate.db'),
      driver,
      passwordHasher: createFastPasswordHasher(),
      auditRetentionDays: retentionMs / DAY,
    });
    return {
      log: store.audit,
      cleanup: async () => {
        await store.close();
        remove();
      },
    };
  });

  // Each instance its own connection to one file.
  describeSigningKeyStoreContract(`sqlite file (${driver})`, async () => {
    const { dir, remove } = tempDir();
    const filename = path.join(dir, 'tollgate.db');
    return {
      open: async () => {
        const store = openSqliteStore({ filename, driver, passwordHasher: createFastPasswordHasher() });
        return { keys: store.signingKeys, close: () => store.close() };
      },
      cleanup: async () => remove(),
    };
  });
}
