import demoJson from '../../demo-data.json' with { type: 'json' };
import type { DirectorySeed } from '../ports.js';

/**
 * The demo data of CONTRACT.md (`demo-data.json`, also exported as `@tollgate/core/demo-data.json`),
 * passwords in plaintext: what every store's `seedDemoData` seeds.
 */
export const demoData: DirectorySeed = {
  ...demoJson,
  users: demoJson.users.map((user) => {
    if (user.kind !== 'customer' && user.kind !== 'administrator') {
      throw new Error(`demo-data.json: user ${user.id} has an unknown kind`);
    }
    return { ...user, kind: user.kind };
  }),
};
