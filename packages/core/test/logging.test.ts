/**
 * Failures no caller sees are logged by default: an unexpected 500 (`error`) and a failed background
 * task (`warn`, naming it), on the given pino-compatible `logger` or as JSON lines on stderr; never
 * with a token value or a password in them. Explicit callbacks replace the log line.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createHttpHandler,
  createMemoryTokenStore,
  redactSecrets,
  type TollgateLogger,
} from './helpers/internals.js';
import { ACCOUNTS, buildDemo, failingStore, jwtPrincipal } from './helpers/operation-rules.js';

const { ethan } = ACCOUNTS;

interface Entry {
  readonly level: 'error' | 'warn' | 'info';
  readonly obj: Record<string, unknown>;
  readonly msg: string;
}

/** A logger that keeps what it is given, and tells when the first entry of a level arrives. */
function capturingLogger() {
  const entries: Entry[] = [];
  const waiting: { level: Entry['level']; resolve: (entry: Entry) => void }[] = [];
  const at = (level: Entry['level']) => (obj: Record<string, unknown>, msg: string) => {
    const entry = { level, obj, msg };
    entries.push(entry);
    for (const waiter of waiting.filter((w) => w.level === level)) waiter.resolve(entry);
  };
  const logger: TollgateLogger = { error: at('error'), warn: at('warn'), info: at('info') };
  const next = (level: Entry['level']) =>
    new Promise<Entry>((resolve) => {
      const found = entries.find((entry) => entry.level === level);
      if (found) resolve(found);
      else waiting.push({ level, resolve });
    });
  return { logger, entries, next };
}

/** A Tollgate whose JWT login fails unexpectedly, with a token and a password in the error. */
async function brokenLogin(options: { logger?: TollgateLogger } = {}) {
  const demo = await buildDemo({ options });
  const principal = await jwtPrincipal(demo.tg, ethan);
  const uat = await demo.tg.uats.create({
    caller: principal,
    name: 'ci',
    expiresAt: new Date(demo.clock.now() + 86_400_000),
    permissions: ['brand_create'],
  });
  const { token: jwt } = await demo.tg.accessTokens.login({
    username: ethan.username,
    password: ethan.password,
  });
  const boom = new Error(`lookup failed for ${uat.token} (bearer ${jwt}) password=${ethan.password}`, {
    cause: new Error(`retrying "token": "${jwt}"`),
  });
  const tg = { ...demo.tg, accessTokens: { ...demo.tg.accessTokens, login: () => Promise.reject(boom) } };
  return { tg: tg as typeof demo.tg, secrets: [uat.token, jwt, ethan.password] };
}

const jwtLogin = {
  method: 'POST',
  url: '/api/v2/auth/jwt/',
  headers: { 'content-type': 'application/json' },
  body: { parsed: { email: ethan.username, password: ethan.password } },
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe('an unexpected 500', () => {
  it('is logged on the Tollgate’s logger by default: error level, the error redacted, no token or password', async () => {
    const { logger, entries } = capturingLogger();
    const { tg, secrets } = await brokenLogin({ logger });
    const http = createHttpHandler(tg, { profiles: ['uat-jwt'] });
    const response = await http.handle(jwtLogin);
    expect(response?.status).toBe(500);
    expect(entries).toHaveLength(1);
    const [entry] = entries;
    expect(entry?.level).toBe('error');
    expect(entry?.msg).toMatch(/unexpected error/);
    const err = entry?.obj.err as {
      type: string;
      message: string;
      stack: string;
      cause: { message: string };
    };
    expect(err.type).toBe('Error');
    expect(err.message).toMatch(
      /^lookup failed for \[REDACTED\] \(bearer \[REDACTED\]\) password=\[REDACTED\]$/,
    );
    expect(err.stack).toContain('lookup failed for [REDACTED]');
    expect(err.cause.message).toBe('retrying "token": "[REDACTED]"');
    const line = JSON.stringify(entry);
    for (const secret of secrets) expect(line).not.toContain(secret);
  });

  it('the HTTP options’ logger overrides the Tollgate’s; onUnexpectedError replaces the log line', async () => {
    const tollgateLog = capturingLogger();
    const httpLog = capturingLogger();
    const { tg } = await brokenLogin({ logger: tollgateLog.logger });
    await createHttpHandler(tg, { profiles: ['uat-jwt'], logger: httpLog.logger }).handle(jwtLogin);
    expect(httpLog.entries.map((entry) => entry.level)).toEqual(['error']);
    expect(tollgateLog.entries).toEqual([]);

    const reported: unknown[] = [];
    const own = createHttpHandler(tg, {
      profiles: ['uat-jwt'],
      logger: httpLog.logger,
      onUnexpectedError: (error) => reported.push(error),
    });
    expect((await own.handle(jwtLogin))?.status).toBe(500);
    expect(reported).toHaveLength(1);
    expect(httpLog.entries).toHaveLength(1);
  });

  it('without any logger: one JSON line on stderr (console.error), redacted', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => {
      lines.push(String(line));
    });
    const { tg, secrets } = await brokenLogin();
    expect((await createHttpHandler(tg, { profiles: ['uat-jwt'] }).handle(jwtLogin))?.status).toBe(500);
    expect(lines).toHaveLength(1);
    const parsed = JSON.parse(lines[0]!) as {
      level: string;
      name: string;
      msg: string;
      err: { message: string };
    };
    expect(parsed).toMatchObject({ level: 'error', name: 'tollgate' });
    expect(parsed.err.message).toContain('[REDACTED]');
    for (const secret of secrets) expect(lines[0]).not.toContain(secret);
  });

  it('a refusal (4xx) is no unexpected error: nothing logged', async () => {
    const { logger, entries } = capturingLogger();
    const demo = await buildDemo({ options: { logger } });
    const http = createHttpHandler(demo.tg, { profiles: ['uat-jwt'] });
    const response = await http.handle({
      ...jwtLogin,
      body: { parsed: { email: ethan.username, password: 'wrong' } },
    });
    expect(response?.status).toBe(400); // the JWT API's refused login
    expect(entries).toEqual([]);
  });
});

describe('a failed background task', () => {
  it('a UAT last-used update that fails is logged at warn, naming the task, without the token', async () => {
    const { logger, next } = capturingLogger();
    const store = failingStore(createMemoryTokenStore());
    const demo = await buildDemo({ store, options: { logger } });
    const principal = await jwtPrincipal(demo.tg, ethan);
    const uat = await demo.tg.uats.create({
      caller: principal,
      name: 'ci',
      expiresAt: new Date(demo.clock.now() + 86_400_000),
      permissions: ['brand_create'],
    });
    expect((await demo.tg.authenticate({ authorization: `UAT ${uat.token}` })).ok).toBe(true);
    store.failing.add('touchUat');
    demo.tg.close(); // writes the pending last-used time: it fails
    const entry = await next('warn');
    expect(entry.obj.task).toBe('last-used-update');
    expect(entry.msg).toBe('tollgate background work failed: last-used-update');
    expect((entry.obj.err as { message: string }).message).toBe('connect ECONNREFUSED (touchUat)');
    expect(JSON.stringify(entry)).not.toContain(uat.token);
  });

  it('housekeeping that fails is logged at warn; onBackgroundError replaces the log line', async () => {
    const { logger, next, entries } = capturingLogger();
    const store = failingStore(createMemoryTokenStore());
    store.failing.add('purgeExpired');
    const demo = await buildDemo({ store, options: { logger, housekeeping: { intervalMs: 20 } } });
    try {
      const entry = await next('warn');
      expect(entry.obj).toMatchObject({ task: 'housekeeping', err: { code: 'store_unavailable' } });
    } finally {
      demo.tg.close();
    }

    const reported: unknown[] = [];
    let failed!: () => void;
    const seen = new Promise<void>((resolve) => {
      failed = resolve;
    });
    const count = entries.length;
    const own = await buildDemo({
      store,
      options: {
        logger,
        housekeeping: { intervalMs: 20 },
        onBackgroundError: (error) => {
          reported.push(error);
          failed();
        },
      },
    });
    try {
      await seen;
      expect(entries).toHaveLength(count);
    } finally {
      own.tg.close();
    }
  });
});

describe('redactSecrets', () => {
  it('token-shaped words and secret-named fields; the rest as it is', () => {
    expect(redactSecrets('user 42 at /api/v2/me/: ECONNREFUSED 127.0.0.1:5432')).toBe(
      'user 42 at /api/v2/me/: ECONNREFUSED 127.0.0.1:5432',
    );
    expect(redactSecrets('tgr_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG failed')).toBe('[REDACTED] failed');
    expect(redactSecrets('{"password":"hunter2","apiKey": "k1"}')).toBe(
      '{"password":"[REDACTED]","apiKey": "[REDACTED]"}',
    );
    expect(redactSecrets('x-api-key: k1, client_secret=s2, keyboard=qwerty')).toBe(
      'x-api-key: [REDACTED], client_secret=[REDACTED], keyboard=qwerty',
    );
  });
});
