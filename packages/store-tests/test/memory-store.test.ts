import { createMemoryTokenStore, createMemoryUserDirectory } from '@tollgate/core/testing';
import { describeTokenStoreContract, describeUserDirectoryContract } from '../src/index.js';

describeTokenStoreContract('memory', async () => ({ store: createMemoryTokenStore() }));

describeUserDirectoryContract('memory', async (seed, passwordHasher) => ({
  directory: await createMemoryUserDirectory(seed, { passwordHasher }),
}));
