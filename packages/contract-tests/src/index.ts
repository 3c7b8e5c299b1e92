import { afterAll, beforeAll, describe } from 'vitest';
import { ContractClient } from './client.js';
import { defineDiscovery } from './discovery.js';
import { defineFuzz } from './fuzz.js';
import { defineLoginLimits } from './login-limits.js';
import { defineRobustness } from './robustness.js';
import { defineSchemeA } from './scheme-a.js';
import { defineSchemeB } from './scheme-b.js';
import { defineSchemeC } from './scheme-c.js';
import { defineSchemeD } from './scheme-d.js';
import { defineAuthenticateBeforeBody } from './slow-clients.js';
import { defineTokenKinds } from './token-kinds.js';

/** A running example app: listening on 127.0.0.1, fresh SQLite database seeded with the demo data. */
export interface ContractApp {
  /** The base URL, e.g. `http://127.0.0.1:54321`. */
  readonly url: string;
  close(): Promise<void>;
}

export { ContractClient } from './client.js';
export type { Account } from './demo.js';
export { AVA, BOB, DOMAIN_ADMIN, ETHAN, ORGANISATIONS, PERMISSIONS, ROOT } from './demo.js';
export { defineServerTimeLimits, type ServerTimeLimitsUnderTest } from './slow-clients.js';

/**
 * The HTTP contract (CONTRACT.md and docs/http-profiles.md) as one vitest suite over real HTTP.
 * Every adapter's example app runs it unchanged: `startApp` is called once, before the first test.
 */
export function defineContractSuite(name: string, startApp: () => Promise<ContractApp>): void {
  describe(name, () => {
    let app: ContractApp | undefined;
    const client = new ContractClient(() => {
      if (app === undefined) throw new Error('the app has not started');
      return app.url.replace(/\/+$/, '');
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
    defineSchemeC(client);
    defineSchemeD(client);
    defineTokenKinds(client);
    defineRobustness(client);
    defineAuthenticateBeforeBody(client);
    defineDiscovery(client);
    // Last: they revoke, rate-limit or otherwise disturb what they touch.
    defineFuzz(client);
    defineLoginLimits(client);
  });
}
