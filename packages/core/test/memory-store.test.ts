import { describeTokenStoreContract, describeUserDirectoryContract } from '@tollgate/store-tests';
import { createMemoryTokenStore, createMemoryUserDirectory } from '../src/memory-store.js';

describeTokenStoreContract('memory', async () => ({ store: createMemoryTokenStore() }));

describeUserDirectoryContract('memory', async (seed, passwordHasher) => ({
  directory: await createMemoryUserDirectory(seed, { passwordHasher }),
}));
