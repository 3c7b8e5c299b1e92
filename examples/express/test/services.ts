/** The PostgreSQL and Redis of this machine (CI starts them); override with the usual variables. */
export const DATABASE_URL =
  process.env.TOLLGATE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.TOLLGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
