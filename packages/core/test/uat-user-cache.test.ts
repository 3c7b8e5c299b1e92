/**
 * A UAT's first lookup reads its user's current rights; the read is reused for that user's other
 * UATs for `cache.userTtlMs` (default 5 s), so a burst of new UATs costs one directory read.
 */
import { describe, expect, it } from 'vitest';
import type { Principal, UserDirectory } from './helpers/internals.js';
import { ACCOUNTS, buildDemo, DAY, type Demo, jwtPrincipal, SECOND } from './helpers/operation-rules.js';

const { ethan } = ACCOUNTS;

async function demoWithCountedReads(userTtlMs?: number) {
  const reads = { count: 0 };
  const demo = await buildDemo({
    options: userTtlMs === undefined ? {} : { cache: { userTtlMs } },
    users: (directory): UserDirectory => ({
      ...directory,
      findUserById: (id) => {
        reads.count += 1;
        return directory.findUserById(id);
      },
    }),
  });
  const caller = await jwtPrincipal(demo.tg, ethan);
  return { demo, reads, caller };
}

async function newUats(demo: Demo, caller: Principal, n: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < n; i++) {
    const created = await demo.tg.uats.create({
      caller,
      name: `t${i}`,
      expiresAt: new Date(demo.clock.now() + 30 * DAY),
      permissions: ['brand_create'],
    });
    tokens.push(created.token);
  }
  return tokens;
}

describe('UAT first lookups and the user read', () => {
  it('reads the user once for a burst of the same user’s new UATs, and again after userTtlMs', async () => {
    const { demo, reads, caller } = await demoWithCountedReads();
    const tokens = await newUats(demo, caller, 5);
    reads.count = 0;
    for (const token of tokens.slice(0, 4)) await demo.tg.requirePrincipal({ authorization: `UAT ${token}` });
    expect(reads.count).toBe(1);
    demo.clock.advance(5 * SECOND);
    await demo.tg.requirePrincipal({ authorization: `UAT ${tokens[4]}` });
    expect(reads.count).toBe(2);
  });

  it('reads it every time with userTtlMs: 0', async () => {
    const { demo, reads, caller } = await demoWithCountedReads(0);
    const tokens = await newUats(demo, caller, 3);
    reads.count = 0;
    for (const token of tokens) await demo.tg.requirePrincipal({ authorization: `UAT ${token}` });
    expect(reads.count).toBe(3);
  });
});
