import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from './assertions.js';
import { type ContractClient, type HeaderMap, jwtAuth } from './client.js';
import { ETHAN } from './demo.js';
import { Reply } from './http.js';
import type { ContractApp } from './index.js';

/** Far beyond what an answer that does not wait for the body takes, far below any server time limit. */
const NO_WAIT_MS = 15_000;

/** A connection to the app through `node:net`: a client that writes what it likes, when it likes. */
export class RawConnection {
  readonly socket: Socket;
  readonly opened = Date.now();
  /** Every byte the server sent. */
  received = Buffer.alloc(0);
  /** Settles when the connection is closed, however (the server may close it with a reset). */
  readonly closed: Promise<void>;
  #waiting: (() => void) | undefined;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.#waiting?.();
    });
    socket.on('error', () => {}); // a reset after the answer: `closed` tells the rest
    this.closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    void this.closed.then(() => this.#waiting?.());
  }

  static open(base: string): Promise<RawConnection> {
    const url = new URL(base);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: url.hostname, port: Number(url.port) });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  write(data: string): void {
    this.socket.write(data);
  }

  get isClosed(): boolean {
    return this.socket.closed;
  }

  /** The first whole response (status line, headers, body by Content-Length or chunked). */
  async response(method: string, path: string): Promise<Reply> {
    for (;;) {
      const reply = parseResponse(method, path, this.received);
      if (reply !== null) return reply;
      if (this.isClosed) {
        throw new Error(
          `${method} ${path}: the connection closed before a whole response: ${JSON.stringify(this.received.toString('latin1'))}`,
        );
      }
      await new Promise<void>((resolve) => {
        this.#waiting = resolve;
      });
      this.#waiting = undefined;
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A whole HTTP/1.1 response at the start of `data`, or null while it is incomplete. */
function parseResponse(method: string, path: string, data: Buffer): Reply | null {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [statusLine = '', ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 'NaN');
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  let rest = data.subarray(end + 4);
  let body: Buffer;
  const length = headers.get('content-length');
  if (length !== null) {
    if (rest.length < Number(length)) return null;
    body = rest.subarray(0, Number(length));
  } else if (headers.get('transfer-encoding')?.toLowerCase() === 'chunked') {
    const parts: Buffer[] = [];
    for (;;) {
      const lineEnd = rest.indexOf('\r\n');
      if (lineEnd < 0) return null;
      const size = Number.parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16);
      if (rest.length < lineEnd + 2 + size + 2) return null;
      if (size === 0) break;
      parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      rest = rest.subarray(lineEnd + 2 + size + 2);
    }
    body = Buffer.concat(parts);
  } else {
    body = Buffer.alloc(0); // no body (204, 304) or one up to the close: not needed here
  }
  return new Reply(method, path, status, headers, body.toString('utf8'));
}

/** A request head, ending with the blank line; `Host` from the base URL. */
function head(base: string, method: string, path: string, headers: HeaderMap): string {
  const lines = [`${method} ${path} HTTP/1.1`, `Host: ${new URL(base).host}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

interface ProtectedRoute {
  readonly method: 'POST' | 'PATCH';
  readonly path: string;
}

/** Every protected route that takes a JSON body: the demo routes and the profiles' own. */
const PROTECTED_BODY_ROUTES: readonly ProtectedRoute[] = [
  { method: 'POST', path: '/api/v2/brands/' },
  { method: 'POST', path: '/api/v2/products/' },
  { method: 'POST', path: '/api/v2/scm/bulk-edit/' },
  { method: 'PATCH', path: '/api/v2/scm/codes/c-1/' },
  { method: 'POST', path: '/api/v2/me/tokens/' },
];

const BAD_CREDENTIALS: ReadonlyArray<readonly [string, HeaderMap]> = [
  ['no credentials', {}],
  ['a malformed JWT', { authorization: 'JWT not.a.jwt' }],
  ['a tampered JWT', { authorization: 'JWT eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl' }],
];

/**
 * Authentication comes before the body: a protected route answers a caller without good credentials
 * 401 at once, without reading (or waiting for) its body. With good credentials the body rules hold.
 */
export function defineAuthenticateBeforeBody(client: ContractClient): void {
  describe('protected routes authenticate before they read the body', () => {
    it(
      'a slow body with bad or no credentials → 401 while the body is still missing (raw socket)',
      async () => {
        for (const route of PROTECTED_BODY_ROUTES) {
          for (const [name, credentials] of BAD_CREDENTIALS) {
            const connection = await RawConnection.open(client.url);
            try {
              // The head promises 1000 bytes of body; none is ever sent.
              connection.write(
                head(client.url, route.method, route.path, {
                  ...credentials,
                  'Content-Type': 'application/json',
                  'Content-Length': '1000',
                }),
              );
              const reply = await connection.response(route.method, route.path);
              expect(reply.status, `${route.method} ${route.path}, ${name}: ${reply}`).toBe(401);
              expectError(reply, { status: 401, shape: 'detail' });
            } finally {
              connection.destroy();
            }
          }
        }
      },
      NO_WAIT_MS * PROTECTED_BODY_ROUTES.length,
    );

    it('without credentials an oversize or non-JSON body → 401, not 413 or 415', async () => {
      const oversize = `{"name":"${' '.repeat(70 * 1024)}"}`;
      for (const route of PROTECTED_BODY_ROUTES) {
        for (const [contentType, body] of [
          ['application/json', oversize],
          ['text/plain', 'hello'],
          ['application/x-www-form-urlencoded', 'name=x'],
        ] as const) {
          const reply = await client.fetch(route.path, {
            method: route.method,
            headers: { 'content-type': contentType },
            body,
          });
          expectError(reply, { status: 401, shape: 'detail', code: 'credentials_missing' });
        }
      }
    });

    it('with good credentials the body rules hold: 413 over 64 KiB, 415 another media type, 400 bad JSON', async () => {
      const auth = jwtAuth(await client.jwt(ETHAN));
      const oversize = `{"name":"${' '.repeat(70 * 1024)}"}`;
      for (const route of PROTECTED_BODY_ROUTES) {
        const send = (contentType: string, body: string) =>
          client.fetch(route.path, {
            method: route.method,
            headers: { ...auth, 'content-type': contentType },
            body,
          });
        expectError(await send('application/json', oversize), {
          status: 413,
          shape: 'detail',
          code: 'payload_too_large',
        });
        expectError(await send('text/plain', 'hello'), {
          status: 415,
          shape: 'detail',
          code: 'unsupported_media_type',
        });
        if (route.path !== '/api/v2/me/tokens/') {
          // The demo routes' bodies are not documented: only the parse error is the contract's.
          expectError(await send('application/json', '{"a":'), {
            status: 400,
            shape: 'detail',
            code: 'malformed_request',
          });
        }
      }
    });
  });
}

/** The time limits an example's server is started with for `defineServerTimeLimits`, in milliseconds. */
export interface ServerTimeLimitsUnderTest {
  readonly headersTimeout: number;
  readonly requestTimeout: number;
  readonly keepAliveTimeout: number;
  readonly connectionsCheckingInterval: number;
}

/** Small limits, so a test sees them enforced in about a second rather than in minutes. */
const TEST_LIMITS: ServerTimeLimitsUnderTest = {
  headersTimeout: 1_000,
  requestTimeout: 2_000,
  keepAliveTimeout: 1_000,
  connectionsCheckingInterval: 100,
};

/** Each test waits for the server to act; this is only how long before the test gives up. */
const CUT_OFF_MS = 20_000;

/**
 * The example's HTTP server cuts off slow clients: `startApp` starts the example with the limits
 * given (through its start options). Every example's test project runs this beside the contract suite.
 */
export function defineServerTimeLimits(
  name: string,
  startApp: (limits: ServerTimeLimitsUnderTest) => Promise<ContractApp>,
): void {
  describe(`${name}: server time limits`, () => {
    let app: ContractApp | undefined;
    const url = () => {
      if (app === undefined) throw new Error('the app has not started');
      return app.url;
    };
    const open: RawConnection[] = [];
    const connection = async () => {
      const opened = await RawConnection.open(url());
      open.push(opened);
      return opened;
    };

    beforeAll(async () => {
      app = await startApp(TEST_LIMITS);
    }, 30_000);

    afterAll(async () => {
      for (const opened of open) opened.destroy();
      await app?.close();
      app = undefined;
    }, 15_000);

    it(
      'headers that never end → 408 and the connection closed after headersTimeout',
      async () => {
        const slow = await connection();
        slow.write(`GET /api/v2/me/ HTTP/1.1\r\nHost: ${new URL(url()).host}\r\nX-Slow: a`);
        await slow.closed;
        expect(Date.now() - slow.opened).toBeGreaterThanOrEqual(TEST_LIMITS.headersTimeout * 0.9);
        expect(slow.received.toString('latin1')).toMatch(/^HTTP\/1\.1 408 /);
      },
      CUT_OFF_MS,
    );

    it(
      'headers sent a byte at a time are cut off all the same: activity does not extend the limit',
      async () => {
        const slow = await connection();
        slow.write(`GET /api/v2/me/ HTTP/1.1\r\nHost: ${new URL(url()).host}\r\nX-Slow: `);
        // The client's own pace: a byte every 50 ms, for as long as the server listens.
        const drip = setInterval(() => {
          if (!slow.isClosed) slow.write('a');
        }, 50);
        try {
          await slow.closed;
        } finally {
          clearInterval(drip);
        }
        expect(Date.now() - slow.opened).toBeGreaterThanOrEqual(TEST_LIMITS.headersTimeout * 0.9);
        // The 408 may be lost to a reset when a byte crosses the close; what arrived is a 408.
        const answer = slow.received.toString('latin1');
        if (answer !== '') expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      },
      CUT_OFF_MS,
    );

    it(
      'a body that never ends (on a route without credentials) → 408 and closed after requestTimeout',
      async () => {
        const slow = await connection();
        slow.write(
          head(url(), 'POST', '/api/v2/auth/token', {
            'Content-Type': 'application/json',
            'Content-Length': '1000',
          }),
        );
        slow.write('{"username":');
        await slow.closed;
        expect(Date.now() - slow.opened).toBeGreaterThanOrEqual(TEST_LIMITS.requestTimeout * 0.9);
        expect(slow.received.toString('latin1')).toMatch(/^HTTP\/1\.1 408 /);
      },
      CUT_OFF_MS,
    );

    it(
      'an idle keep-alive connection is closed after keepAliveTimeout, as the response announces',
      async () => {
        const idle = await connection();
        idle.write(head(url(), 'GET', '/.well-known/jwks.json', {}));
        const reply = await idle.response('GET', '/.well-known/jwks.json');
        expect(reply.status, String(reply)).toBe(200);
        expect(reply.headers.get('keep-alive')).toBe(`timeout=${TEST_LIMITS.keepAliveTimeout / 1000}`);
        await idle.closed;
        expect(Date.now() - idle.opened).toBeGreaterThanOrEqual(TEST_LIMITS.keepAliveTimeout * 0.9);
      },
      CUT_OFF_MS,
    );
  });
}
