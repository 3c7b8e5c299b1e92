/**
 * Refusing costs at most a constant times the input's length, whatever the input: a property over
 * headers, cookies, tokens, paths and bodies up to their size limits, built from runs of the
 * characters parsers trip on (the issue: `Authorization: JWT` + 8,100 spaces + `x` cost 35 ms).
 *
 * Time is measured relatively, so a busy machine does not fail it: an adversarial input against a
 * benign one of the same length, each the best of many interleaved batches (a quiet moment is all
 * either needs), and only a ratio far beyond any constant factor fails. A quadratic walk over 8 KB
 * is thousands of times a linear one; the bound here is `MAX_RATIO`.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createHttpHandler,
  createKeySet,
  generateSigningKey,
  type HttpRequest,
  JwtCodec,
  MAX_CREDENTIAL_LENGTH,
  parseAuthorizationHeader,
  parseJsonObject,
  readCookie,
  redactUrl,
  TollgateError,
  type TollgateHttp,
} from './helpers/internals.js';
import { createHarness, type Harness } from './security-fixtures.js';

const DOCUMENTED_PROFILES = ['user-tokens', 'delegated-login', 'token-pair', 'uat-jwt'] as const;

/**
 * Far above any constant factor between two linear walks, far below a quadratic one at these sizes
 * (the header measured 2,000–3,500x before its fix). 50 was too close: a query of 2,700
 * `&\\` pairs (each an unknown, repeated parameter named in the 400) measured 53x once beside the
 * builds, though it grows linearly (0.17 ms at 1 KB, 0.69 ms at 5.4 KB).
 */
const MAX_RATIO = 200;
const BODY_LIMIT = 65_536;
const PATH_LIMIT = 8192;

let h: Harness;
let http: TollgateHttp;
let bigCodec: JwtCodec;

beforeAll(async () => {
  h = await createHarness();
  http = createHttpHandler(h.tg, { profiles: DOCUMENTED_PROFILES });
  bigCodec = new JwtCodec({
    keys: createKeySet({ current: await generateSigningKey({ alg: 'ES256' }) }),
    issuer: 'https://tollgate.test',
    audience: 'api',
    leewaySeconds: 0,
    maxTokenLength: 1 << 20,
  });
});

const attempt = (run: () => unknown): void => {
  try {
    run();
  } catch (error) {
    if (!(error instanceof TollgateError)) throw error;
  }
};

function batchMs(run: () => unknown, reps: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function asyncBatchMs(run: () => Promise<unknown>, reps: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) await run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Best batch of each, interleaved; measured again (up to 3 times) only while the ratio looks too high. */
async function ratio(
  adversarial: () => unknown,
  benign: () => unknown,
  options: { reps: number; rounds?: number; async?: boolean },
): Promise<number> {
  const time = async (run: () => unknown) =>
    options.async ? asyncBatchMs(run as () => Promise<unknown>, options.reps) : batchMs(run, options.reps);
  await time(adversarial); // warm-up: compiled code on both sides
  await time(benign);
  let best = Number.POSITIVE_INFINITY;
  for (let attemptNo = 0; attemptNo < 3 && best > MAX_RATIO; attemptNo++) {
    let a = Number.POSITIVE_INFINITY;
    let b = Number.POSITIVE_INFINITY;
    for (let round = 0; round < (options.rounds ?? 9); round++) {
      a = Math.min(a, await time(adversarial));
      b = Math.min(b, await time(benign));
    }
    best = Math.min(best, a / Math.max(b, 1e-3));
  }
  return best;
}

/** `prefix`, then `unit` repeated, then `suffix`: exactly `length` characters. */
function fill(prefix: string, unit: string, suffix: string, length: number): string {
  const room = Math.max(0, length - prefix.length - suffix.length);
  return prefix + unit.repeat(Math.ceil(room / unit.length)).slice(0, room) + suffix;
}

const runOf = (alphabet: string) =>
  fc.string({ unit: fc.constantFrom(...alphabet), minLength: 1, maxLength: 4 });

const b64 = (text: string) => Buffer.from(text).toString('base64url');

describe('refusing costs linear time, whatever the input (relative to a benign input of the same size)', () => {
  it('the issue’s header: JWT, 8,100 spaces, x', async () => {
    const header = `JWT ${' '.repeat(8100)}x`;
    const benign = `JWT ${'A'.repeat(header.length - 4)}`;
    const r = await ratio(
      () => attempt(() => parseAuthorizationHeader(header)),
      () => attempt(() => parseAuthorizationHeader(benign)),
      { reps: 20 },
    );
    expect(r).toBeLessThan(MAX_RATIO);
  }, 60_000);

  it('Authorization headers and session cookies up to their limit', async () => {
    const benignHeader = `Bearer ${'A'.repeat(MAX_CREDENTIAL_LENGTH - 7)}`;
    // Many ordinary cookies, one of them the session's.
    const benignCookie = fill('tollgate_session=AAAA', '; theme=dark', '', MAX_CREDENTIAL_LENGTH);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('', 'JWT ', 'Bearer', 'UAT\t', ' ', 'a, ', 'tollgate_session=', 'x='),
        runOf(' \t,=;"a/+.'),
        fc.constantFrom('', 'x', ' x y', ',', '"', '='),
        async (prefix, unit, suffix) => {
          const value = fill(prefix, unit, suffix, MAX_CREDENTIAL_LENGTH);
          const header = await ratio(
            () => attempt(() => parseAuthorizationHeader(value)),
            () => attempt(() => parseAuthorizationHeader(benignHeader)),
            { reps: 10 },
          );
          const cookie = await ratio(
            () => attempt(() => readCookie(value, 'tollgate_session')),
            () => attempt(() => readCookie(benignCookie, 'tollgate_session')),
            { reps: 10 },
          );
          expect(Math.max(header, cookie), JSON.stringify(value.slice(0, 40))).toBeLessThan(MAX_RATIO);
        },
      ),
      { numRuns: 30 },
    );
  }, 60_000);

  it('JWTs up to the token limit: header and claims are walked without backtracking', async () => {
    const benign = `${b64('"'.padEnd(6000, 'a'))}.${b64('{}')}.AAAA`;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('{"alg":"ES256","x":', '{"a":"', '{', '['),
        runOf('"\\{}[]:, a1'),
        async (prefix, unit) => {
          const json = fill(prefix, unit, '', 6000);
          const token = `${b64(json)}.${b64('{}')}.AAAA`;
          const r = await ratio(
            () => attempt(() => bigCodec.verify(token, Date.now())),
            () => attempt(() => bigCodec.verify(benign, Date.now())),
            { reps: 10 },
          );
          expect(r, JSON.stringify(json.slice(0, 40))).toBeLessThan(MAX_RATIO);
        },
      ),
      { numRuns: 20 },
    );
  }, 60_000);

  it('paths and queries up to 8 KB: routed and redacted for the log', async () => {
    // An ordinary path of many segments, with an ordinary query.
    const benign = fill('/api/v2/', 'abc/', '?page=2&size=10', PATH_LIMIT);
    const route = (url: string) => http.handle({ method: 'GET', url, headers: {} });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/', '/Authentication/refresh/', '/Authentication?', '//', '\\', '/api/v2/me/?a='),
        runOf('/\\.%2F?&=#a+;'),
        async (prefix, unit) => {
          const url = fill(prefix, unit, '', PATH_LIMIT);
          const routed = await ratio(
            () => route(url).catch(() => null),
            () => route(benign).catch(() => null),
            { reps: 4, async: true },
          );
          const logged = await ratio(
            () => redactUrl(url),
            () => redactUrl(benign),
            { reps: 4 },
          );
          expect(Math.max(routed, logged), JSON.stringify(url.slice(0, 40))).toBeLessThan(MAX_RATIO);
        },
      ),
      { numRuns: 20 },
    );
  }, 60_000);

  it('JSON bodies up to 64 KiB', async () => {
    const post = (text: string): HttpRequest => ({
      method: 'POST',
      url: '/api/v2/auth/token',
      headers: { 'content-type': 'application/json' },
      body: (async function* () {
        yield Buffer.from(text);
      })(),
    });
    // An ordinary object of many fields (refused: not the login's fields).
    const benign = `${fill('{"f":1', ',"field":"value"', '', BODY_LIMIT - 1)}}`;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('', '{"username":', '{"username":"', '[', '{"a":'),
        runOf('[{"\\:, a1}]'),
        async (prefix, unit) => {
          const text = fill(prefix, unit, '', BODY_LIMIT);
          const r = await ratio(
            () => http.handle(post(text)),
            () => http.handle(post(benign)),
            { reps: 2, async: true },
          );
          expect(r, JSON.stringify(text.slice(0, 40))).toBeLessThan(MAX_RATIO);
        },
      ),
      { numRuns: 10 },
    );
  }, 60_000);
});

describe('nothing attacker-chosen is walked recursively before the signature check', () => {
  const nested = (depth: number) => `{"alg":"ES256","x":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;

  it.each([4000, 100_000])('a token header nested %i levels deep is refused, never a RangeError', (depth) => {
    const token = `${b64(nested(depth))}.${b64('{}')}.AAAA`;
    let thrown: unknown;
    try {
      bigCodec.verify(token, Date.now());
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TollgateError);
    expect((thrown as TollgateError).code).toBe('invalid_token');
  });

  it('parseJsonObject counts the keys of 100,000 levels without recursion', () => {
    expect(Object.keys(parseJsonObject(nested(100_000)))).toEqual(['alg', 'x']);
    expect(() => parseJsonObject(`{"a":${'['.repeat(100_000)}${']'.repeat(100_000)},"a":1}`)).toThrow(
      /duplicate/,
    );
  });
});
