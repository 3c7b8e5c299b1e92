import { exampleOptionsFromEnv, startupBanner } from '@tollgate/example-shared';
import { startServer } from './server.js';

// PORT, TOLLGATE_DB (SQLite), or TOLLGATE_DATABASE_URL (PostgreSQL) and TOLLGATE_REDIS_URL.
const running = await startServer(exampleOptionsFromEnv());
const { url } = running;

console.log(`listening on ${url}`);
console.log(`\nSelf-service page (sign in, UATs, environments): ${url}/portal/`);
console.log(startupBanner(url));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    running.close().then(() => process.exit(0));
  });
}
