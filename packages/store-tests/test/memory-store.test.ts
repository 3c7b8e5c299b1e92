import {
  createMemoryAuditLog,
  createMemoryTokenStore,
  createMemoryUserDirectory,
} from '@tollgate/core/testing';
import {
  describeAuditLogContract,
  describeTokenStoreContract,
  describeUserDirectoryContract,
} from '../src/index.js';

describeTokenStoreContract('memory', async () => ({ store: createMemoryTokenStore() }));

describeUserDirectoryContract('memory', async (seed, passwordHasher) => ({
  directory: await createMemoryUserDirectory(seed, { passwordHasher }),
}));

describeAuditLogContract('memory', async ({ retentionMs }) => ({
  log: createMemoryAuditLog({ retentionMs }),
}));
