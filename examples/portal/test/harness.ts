// The real things the browser tests run against: Debian's Chromium driven by playwright-core, and
// the Express example (the API and /portal/) on 127.0.0.1, on a fresh SQLite file.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createScryptPasswordHasher } from '@tollgate/core';
import { type ExampleServerOptions, type RunningServer, startServer } from '@tollgate/example-express';
import { type Browser, chromium, type Page } from 'playwright-core';

export const ETHAN = { email: 'ethan.buckley@datastoreltd.biz', password: 'S0qUx56pW!' } as const;
export const AVA = { email: 'ava.reader@datastoreltd.biz', password: 'R3ader!pass' } as const;
export const BOB = { email: 'bob@acme.test', password: 'Acme!user1' } as const;
export const ROOT = { email: 'root@tollgate.local', password: 'Adm1n!root' } as const;

/** A host name Chromium resolves to 127.0.0.1: another site than 127.0.0.1 for cookies. */
export const OTHER_SITE = 'attacker.test';

// --- Chromium ----------------------------------------------------------------------------------

/** Debian's Chromium; `TOLLGATE_CHROMIUM` names another build (e.g. a distribution's chromium-browser). */
export const CHROMIUM = process.env.TOLLGATE_CHROMIUM || '/usr/bin/chromium';
const ci = process.env.CI !== undefined && process.env.CI !== '';

/**
 * Why the browser tests are skipped, or null when they run. They are skipped only when Chromium is
 * missing AND `CI` is unset; under CI a missing Chromium fails them (see `launchChromium`).
 */
export const skipReason: string | null =
  !existsSync(CHROMIUM) && !ci
    ? `${CHROMIUM} not found: the portal's browser tests are skipped (apt-get install -y chromium; with CI set they fail instead)`
    : null;

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} not found and CI is set: the portal's browser tests must run (apt-get install -y chromium)`,
    );
  }
  // playwright-core gives the browser a fresh temporary --user-data-dir and removes it on close.
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 120_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Third-party cookies blocked, as in browsers that phase them out: the portal needs none.
      '--test-third-party-cookie-phaseout',
      // A second site on this machine for the cross-site request test; nothing leaves 127.0.0.1.
      `--host-resolver-rules=MAP ${OTHER_SITE} 127.0.0.1`,
    ],
  });
}

/** Errors a page raised and CSP violations it reported, to assert there were none. */
export function watchPage(page: Page): { problems: string[] } {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
  });
  // Actions wait on the page; these bounds are far above what a busy 2-core machine needs.
  page.setDefaultTimeout(60_000);
  page.setDefaultNavigationTimeout(60_000);
  return { problems };
}

// --- Screenshots -------------------------------------------------------------------------------

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Where screenshots go: `examples/portal/test-output/` (not committed), or the committed
 * `docs/images/` when `TOLLGATE_SCREENSHOTS=docs`.
 */
export const SCREENSHOT_DIR =
  process.env.TOLLGATE_SCREENSHOTS === 'docs'
    ? join(REPO, 'docs/images')
    : join(REPO, 'examples/portal/test-output');

/** The whole page, or with `fullPage: false` what the 1100×800 window shows. */
export async function screenshot(
  page: Page,
  name: string,
  options: { fullPage?: boolean } = {},
): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({
    path: join(SCREENSHOT_DIR, `portal-${name}.png`),
    fullPage: options.fullPage ?? true,
    animations: 'disabled',
  });
}

// --- Servers -----------------------------------------------------------------------------------

export interface Example {
  readonly url: string;
  readonly server: RunningServer['server'];
  close(): Promise<void>;
}

/** The real examples/express server (which serves /portal/), on 127.0.0.1 port 0. */
export async function startExample(
  options: Pick<ExampleServerOptions, 'secureCookie'> = {},
): Promise<Example> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-portal-'));
  const running = await startServer({
    port: 0,
    host: '127.0.0.1',
    database: join(dir, 'tollgate.db'),
    // Cheap hashing: the demo accounts are seeded and logged into many times.
    passwordHasher: createScryptPasswordHasher({ logN: 10, r: 8, p: 1 }),
    logger: false,
    ...options,
  });
  return {
    url: running.url,
    server: running.server,
    async close() {
      await running.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * HTTPS in front of `example`, as a TLS-terminating proxy would be: `https://127.0.0.1:<port>`, each
 * request passed on as it came (its Host header included), with a throwaway self-signed certificate
 * made by `openssl` (the browser context is told to accept it: `ignoreHTTPSErrors`).
 */
export async function startHttpsProxy(example: Example): Promise<{ url: string; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-tls-'));
  try {
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ]);
    const [key, cert] = await Promise.all([readFile(join(dir, 'key.pem')), readFile(join(dir, 'cert.pem'))]);
    const upstream = new URL(example.url);
    const server = createHttpsServer({ key, cert }, (req, res) => {
      const forwarded = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forwarded.on('error', () => res.destroy());
      req.pipe(forwarded);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return {
      url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A second origin on 127.0.0.1 (another port) serving one HTML page: the attacker's site. */
export async function startOtherOrigin(html: string): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(html);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface SeenRequest {
  readonly origin: string | undefined;
  readonly cookie: string | undefined;
  readonly contentType: string | undefined;
  readonly status: number;
  readonly code: string | undefined;
}

/** The next request for `method path` the example answers: what it carried and what it got. */
export function nextRequest(example: Example, method: string, path: string): Promise<SeenRequest> {
  return new Promise((resolve) => {
    const listener = (req: IncomingMessage, res: ServerResponse) => {
      if (req.method !== method || req.url !== path) return;
      example.server.off('request', listener);
      res.once('finish', () => {
        const code = res.getHeader('tollgate-error-code');
        resolve({
          origin: req.headers.origin,
          cookie: req.headers.cookie,
          contentType: req.headers['content-type'],
          status: res.statusCode,
          code: typeof code === 'string' ? code : undefined,
        });
      });
    };
    example.server.on('request', listener);
  });
}
