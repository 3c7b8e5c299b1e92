/**
 * The server of `bench:logins`: the Express example on a temporary SQLite file, with the default
 * password hasher (scrypt, OWASP parameters) and the `passwordHashing` given as JSON in argv[2]
 * (`false`: no cap). Login limits are off: every client logs in to one account from one address, and
 * the limits hold at most `perAccountAndIp.maxFailures` such attempts in flight. Prints
 * `listening on <url>` like the example.
 */
import { startServer } from '../../examples/express/src/server.js';

const passwordHashing = JSON.parse(process.argv[2] ?? '{}');
const database = process.argv[3];
if (!database) throw new Error('usage: logins-server.ts <passwordHashing JSON> <sqlite file>');
const running = await startServer({
  port: 0,
  host: '127.0.0.1',
  database,
  logger: false,
  passwordHashing,
  loginLimits: false,
});
console.log(`listening on ${running.url}`);
process.once('SIGTERM', () => {
  running.close().then(() => process.exit(0));
});
