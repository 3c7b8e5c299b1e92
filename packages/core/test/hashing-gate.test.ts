/** The cap on concurrent password checks, alone: slots, a first-come queue, refusal past it. */
import { describe, expect, it } from 'vitest';
import { createHashingGate } from '../src/operations/hashing-gate.js';
import { buildDemo, rejectsWith } from './helpers/operation-rules.js';

const deferred = () => {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
};

describe('hashing gate', () => {
  it('runs maxConcurrent at once, queues maxQueue in order, refuses the rest at once', async () => {
    const gate = createHashingGate({ maxConcurrent: 2, maxQueue: 2, retryAfterSeconds: 5 });
    const order: number[] = [];
    const holds = Array.from({ length: 4 }, deferred);
    const runs = holds.map((hold, i) =>
      gate.run(async () => {
        order.push(i);
        await hold.promise;
        return i;
      }),
    );
    const refused = await gate.run(async () => 'never').catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'login_overloaded', status: 503, retryAfterSeconds: 5 });
    await Promise.resolve();
    expect(order).toEqual([0, 1]);
    holds[1]!.resolve();
    holds[0]!.resolve();
    holds[2]!.resolve();
    holds[3]!.resolve();
    await expect(Promise.all(runs)).resolves.toEqual([0, 1, 2, 3]);
    expect(order).toEqual([0, 1, 2, 3]);
    // A failed check frees its slot too.
    await expect(gate.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(gate.run(async () => 'ok')).resolves.toBe('ok');
  });

  it('rejects options that are not integers in range when the Tollgate is built', async () => {
    expect(() => createHashingGate({ maxConcurrent: 0 })).toThrow(TypeError);
    expect(() => createHashingGate({ maxQueue: -1 })).toThrow(TypeError);
    await expect(buildDemo({ options: { passwordHashing: { retryAfterSeconds: 0.5 } } })).rejects.toThrow(
      /retryAfterSeconds/,
    );
  });

  it('login_overloaded is not counted as a failed login', async () => {
    const { tg } = await buildDemo({
      options: {
        passwordHashing: { maxConcurrent: 1, maxQueue: 0 },
        loginLimits: { perAccountAndIp: { maxFailures: 2, windowSeconds: 60, blockSeconds: 60 } },
      },
    });
    const bob = { username: 'bob@acme.test', password: 'Acme!user1' };
    const first = tg.login(bob);
    for (let i = 0; i < 5; i++) await rejectsWith(tg.login(bob), 'login_overloaded', 503);
    await first;
    await expect(tg.login(bob)).resolves.toMatchObject({ username: bob.username });
  });
});
