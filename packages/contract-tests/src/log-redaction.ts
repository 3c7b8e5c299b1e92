import { describe, expect, it } from 'vitest';
import type { ContractClient } from './client.js';
import { AVA, BOB, DOMAIN_ADMIN, ETHAN, ROOT } from './demo.js';
import { leakedSecrets, type RequestLog } from './request-log.js';

const PASSWORDS = [ETHAN, AVA, BOB, DOMAIN_ADMIN, ROOT].map((account) => account.password);
const USERNAME = encodeURIComponent(ETHAN.username);

interface Attack {
  readonly name: string;
  /** The request target, sent verbatim, given a live user token and a live JWT. */
  readonly target: (token: string, jwt: string) => string;
  /** The status the app answers: the attack is served, not refused, so its secret is live. */
  readonly status: number;
}

/** The spellings of the issue "Passwords and tokens reach the logs", and their relatives. */
const ATTACKS: readonly Attack[] = [
  {
    name: 'pass%77ord',
    target: () => `/Authentication?username=${USERNAME}&pass%77ord=${ETHAN.password}`,
    status: 200,
  },
  {
    name: '%70assword',
    target: () => `/Authentication?username=${USERNAME}&%70assword=${ETHAN.password}`,
    status: 200,
  },
  {
    name: 'p%61ssword',
    target: () => `/Authentication?username=${USERNAME}&p%61ssword=${ETHAN.password}`,
    status: 200,
  },
  {
    name: 'a percent-encoded password',
    target: () =>
      `/Authentication?username=${USERNAME}&password=${encodeURIComponent(ETHAN.password).replace('S', '%53')}`,
    status: 200,
  },
  { name: 'refresh//token', target: (token) => `/Authentication/refresh//${token}`, status: 200 },
  { name: '//refresh/token', target: (token) => `/Authentication//refresh/${token}`, status: 200 },
  { name: 'refresh/token/ (trailing)', target: (token) => `/Authentication/refresh/${token}//`, status: 200 },
  {
    name: 'token//…/Environments',
    target: (token) => `/Authentication/token//${token}/Environments`,
    status: 200,
  },
  { name: 'back slashes', target: (token) => `/Authentication\\refresh\\${token}`, status: 200 },
  { name: 'dot segments', target: (token) => `/Authentication/x/../refresh/./${token}`, status: 200 },
  { name: 'a leading //', target: (token) => `//Authentication/refresh/${token}`, status: 200 },
  {
    name: 'absolute-form target',
    target: (token) => `http://tollgate.example/Authentication/refresh/${token}`,
    status: 200,
  },
  {
    name: 'percent-encoded token characters',
    target: (token) => `/Authentication/refresh/${token.replaceAll('.', '%2E').replace('e', '%65')}`,
    status: 200,
  },
  { name: 'a fragment', target: (token) => `/Authentication/refresh/x#${token}`, status: 401 },
  { name: '?access_token=', target: (_token, jwt) => `/api/v2/me/?access_token=${jwt}`, status: 401 },
  {
    // Scheme A's queries are strict: an unknown field is refused (400), and still never logged.
    name: 'an unknown field on a token route',
    target: (token) => `/Authentication/refresh/${token}?t%6Fken=${token}&environment=staging`,
    status: 400,
  },
];

/**
 * "No token, password or refresh token ever appears in a log line" (CONTRACT.md), read from the
 * app's real request log: every spelling the router serves is redacted the way the router reads it.
 */
export function defineLogRedaction(client: ContractClient, requestLog: () => RequestLog): void {
  describe('the request log holds no secret', () => {
    for (const attack of ATTACKS) {
      it(`${attack.name} → ${attack.status}, logged without its secrets`, async () => {
        const log = requestLog();
        const token = (await client.userToken(ETHAN, 'staging')).token;
        const jwt = await client.jwt(ETHAN);
        const from = log.entries.length;
        const reply = await client.raw({ method: 'GET', path: attack.target(token, jwt) });
        expect(reply.status, String(reply)).toBe(attack.status);
        const entry = await log.waitFor(
          from,
          (e) => e.req?.method === 'GET' && e.res?.statusCode === attack.status,
        );
        expect(entry.req?.url).toBeTypeOf('string');
        for (const { line } of log.entries.slice(from)) {
          expect(leakedSecrets(line, [token, jwt, ETHAN.password]), line).toEqual([]);
        }
      });
    }
  });
}

/** Last of all: no demo password in any line the app logged while the whole suite ran. */
export function defineWholeLogCheck(requestLog: () => RequestLog): void {
  it('no demo password in any line of the whole log', () => {
    const lines = requestLog().entries.map((entry) => entry.line);
    expect(lines.length).toBeGreaterThan(100);
    for (const line of lines) expect(leakedSecrets(line, PASSWORDS), line).toEqual([]);
  });
}
