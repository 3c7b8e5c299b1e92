import { afterAll, beforeAll, describe } from 'vitest';
import { ContractClient } from './client.js';
import { defineDiscovery } from './discovery.js';
import { defineFuzz } from './fuzz.js';
import { defineLogRedaction, defineWholeLogCheck } from './log-redaction.js';
import { defineLoginLimits } from './login-limits.js';
import type { RequestLog } from './request-log.js';
import { defineRobustness } from './robustness.js';
import { defineSchemeA } from './scheme-a.js';
import { defineSchemeB } from './scheme-b.js';
import { defineSchemeC } from './scheme-c.js';
import { defineSchemeD } from './scheme-d.js';
import { defineSessions } from './sessions.js';
import { defineAuthenticateBeforeBody } from './slow-clients.js';
import { defineTokenKinds } from './token-kinds.js';

/** A running example app: listening on 127.0.0.1, fresh SQLite database seeded with the demo data. */
export interface ContractApp {
  /** The base URL, e.g. `http://127.0.0.1:54321`. */
  readonly url: string;
  /** The app's real log (its pino destination): the suite checks that no secret reaches it. */
  readonly requestLog: RequestLog;
  /**
   * The app's refresh reuse interval (`refreshReuseIntervalSeconds`), in ms: a rotated refresh token
   * presented again within it is a retry. Start the app with a short one (1000): the reuse test waits
   * it out, since CONTRACT.md's "already rotated → 401" holds past it.
   */
  readonly refreshReuseIntervalMs: number;
  close(): Promise<void>;
}

export { ContractClient } from './client.js';
export type { Account } from './demo.js';
export { AVA, BOB, DOMAIN_ADMIN, ETHAN, ORGANISATIONS, PERMISSIONS, ROOT } from './demo.js';
export { createRequestLog, type LogEntry, leakedSecrets, type RequestLog } from './request-log.js';
export { defineServerTimeLimits, type ServerTimeLimitsUnderTest } from './slow-clients.js';
export { defineStartupBanner, startupOutput } from './startup.js';

/**
 * The HTTP contract (CONTRACT.md and docs/http-profiles.md) as one vitest suite over real HTTP.
 * Every adapter's example app runs it unchanged: `startApp` is called once, before the first test.
 */
export function defineContractSuite(name: string, startApp: () => Promise<ContractApp>): void {
  describe(name, () => {
    let app: ContractApp | undefined;
    const client = new ContractClient(() => {
      if (app === undefined) throw new Error('the app has not started');
      return trimTrailingSlashes(app.url);
    });

    beforeAll(async () => {
      app = await startApp();
    }, 30_000);

    afterAll(async () => {
      await app?.close();
      app = undefined;
    }, 15_000);

    defineSchemeA(client);
    defineSchemeB(client);
    defineSchemeC(client, () => app?.refreshReuseIntervalMs ?? 0);
    defineSchemeD(client);
    defineTokenKinds(client);
    defineRobustness(client);
    defineAuthenticateBeforeBody(client);
    defineDiscovery(client);
    const requestLog = () => {
      if (app === undefined) throw new Error('the app has not started');
      return app.requestLog;
    };
    defineLogRedaction(client, requestLog);
    defineSessions(client);
    // Last: they revoke, rate-limit or otherwise disturb what they touch.
    defineFuzz(client);
    defineLoginLimits(client);
    defineWholeLogCheck(requestLog);
  });
}

function trimTrailingSlashes(url: string): string {
  let end = url.length;
  while (end > 0 && url.charCodeAt(end - 1) === 0x2f) end--;
  return url.slice(0, end);
}
