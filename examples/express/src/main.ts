import { exampleOptionsFromEnv } from '@tollgate/example-shared';
import { startServer } from './server.js';

// PORT, TOLLGATE_DB (SQLite), or TOLLGATE_DATABASE_URL (PostgreSQL) and TOLLGATE_REDIS_URL.
const running = await startServer(exampleOptionsFromEnv());
const { url } = running;

console.log(`listening on ${url}`);
console.log(`
Self-service page (sign in, UATs, environments): ${url}/portal/

Try it (demo accounts in the README):
  curl -s '${url}/Authentication?username=ethan.buckley@datastoreltd.biz&password=S0qUx56pW!&environment=staging'
  curl -s -X POST ${url}/api/v2/auth/token -H 'content-type: application/json' \\
       -d '{"username":"bob@acme.test","password":"Acme!user1"}'
  TOKEN=$(curl -s -X POST ${url}/api/v2/auth/jwt/ -H 'content-type: application/json' \\
       -d '{"email":"ethan.buckley@datastoreltd.biz","password":"S0qUx56pW!"}' | sed -E 's/.*"token":"([^"]+)".*/\\1/')
  curl -s ${url}/api/v2/me/ -H "Authorization: JWT $TOKEN"
  curl -s ${url}/openapi.json
`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    running.close().then(() => process.exit(0));
  });
}
