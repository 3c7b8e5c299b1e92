import { randomBytes } from 'node:crypto';
import { createRequestLog, defineContractSuite } from '@tollgate/contract-tests';
import { createScryptPasswordHasher } from '@tollgate/core';
import pg from 'pg';
import { startServer } from '../src/server.js';
import { DATABASE_URL, REDIS_URL } from './services.js';

// The same contract with TOLLGATE_DATABASE_URL and TOLLGATE_REDIS_URL set: PostgreSQL (a fresh
// schema of its own) and Redis instead of the SQLite file.
defineContractSuite('express on PostgreSQL + Redis', async () => {
  const requestLog = createRequestLog();
  const schema = `tollgate_contract_${randomBytes(6).toString('hex')}`;
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    databaseUrl: DATABASE_URL,
    databaseSchema: schema,
    redisUrl: REDIS_URL,
    passwordHasher: createScryptPasswordHasher({ logN: 10, r: 8, p: 1 }),
    // Short, so the contract's reuse test waits it out (the default is 10 s).
    refreshReuseIntervalSeconds: 2,
    logDestination: requestLog.stream,
  });
  return {
    url: server.url,
    requestLog,
    refreshReuseIntervalMs: 2000,
    close: async () => {
      await server.close();
      const admin = new pg.Client({ connectionString: DATABASE_URL });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    },
  };
});
