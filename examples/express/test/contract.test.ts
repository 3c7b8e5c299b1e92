import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ContractApp,
  createRequestLog,
  defineContractSuite,
  defineServerTimeLimits,
  type ServerTimeLimitsUnderTest,
} from '@tollgate/contract-tests';
import { createScryptPasswordHasher } from '@tollgate/core';
import { startServer } from '../src/server.js';

/** The example on a fresh database, with its own server time limits unless others are given. */
async function start(serverTimeLimits?: ServerTimeLimitsUnderTest): Promise<ContractApp> {
  const requestLog = createRequestLog();
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-contract-express-'));
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    database: join(dir, 'tollgate.db'),
    passwordHasher: createScryptPasswordHasher({ logN: 10, r: 8, p: 1 }),
    // Short, so the contract's reuse test waits it out (the default is 10 s).
    refreshReuseIntervalSeconds: 2,
    logDestination: requestLog.stream,
    ...(serverTimeLimits && { serverTimeLimits }),
  });
  return {
    url: server.url,
    requestLog,
    refreshReuseIntervalMs: 2000,
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

defineContractSuite('express', () => start());
defineServerTimeLimits('express', start);
