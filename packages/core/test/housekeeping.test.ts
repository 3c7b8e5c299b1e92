/** Expired rows are purged in bounded batches: on demand, and in the background unless turned off. */
import { describe, expect, it } from 'vitest';
import { ACCOUNTS, buildDemo, DAY, type Demo, jwtPrincipal } from './helpers/operation-rules.js';

const { ethan } = ACCOUNTS;

async function withExpiredRows(demo: Demo): Promise<void> {
  const caller = await jwtPrincipal(demo.tg, ethan);
  for (let i = 0; i < 7; i++) {
    await demo.tg.uats.create({
      caller,
      name: `short ${i}`,
      expiresAt: new Date(demo.clock.now() + DAY),
      permissions: ['brand_create'],
    });
  }
  for (let i = 0; i < 3; i++) await demo.tg.tokenPair.login(ethan);
  demo.clock.advance(400 * DAY);
}

describe('housekeeping', () => {
  it('purgeExpired deletes every expired row, batch after batch', async () => {
    const demo = await buildDemo({ options: { housekeeping: { batchSize: 2 } } });
    await withExpiredRows(demo);
    // 7 UATs + 3 refresh tokens + 3 families + 4 sessions (3 token pairs, 1 JWT login), two at a time.
    expect(await demo.tg.purgeExpired()).toBe(17);
    expect(await demo.store.listUatsByUser(ethan.id)).toEqual([]);
    expect(await demo.tg.purgeExpired()).toBe(0);
    demo.tg.close();
  });

  it('runs in the background at its interval, and stops on close()', async () => {
    const demo = await buildDemo({ options: { housekeeping: { intervalMs: 20 } } });
    await withExpiredRows(demo);
    await expect.poll(() => demo.store.listUatsByUser(ethan.id), { timeout: 2000 }).toEqual([]);
    demo.tg.close();
  });

  it('never runs with housekeeping: false', async () => {
    const demo = await buildDemo({ options: { housekeeping: false } });
    await withExpiredRows(demo);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await demo.store.listUatsByUser(ethan.id)).toHaveLength(7);
  });
});
