import { describe, expect, it } from 'vitest';
import { decideRotation } from '../src/index.js';

const family = { absoluteExpiresAt: 10_000_000, revokedAt: null };
const rotatedAt = 1_000_000;
const decide = (now: number, reuseIntervalMs?: number) =>
  decideRotation({
    token: { expiresAt: 5_000_000, rotatedAt },
    family,
    now,
    nextExpiresAt: 6_000_000,
    ...(reuseIntervalMs === undefined ? {} : { reuseIntervalMs }),
  }).action;

describe('decideRotation: a rotated token presented again', () => {
  it('is reuse without an interval, even when `now` is earlier than the rotation (read before the lock)', () => {
    expect(decide(rotatedAt - 5)).toBe('reused');
    expect(decide(rotatedAt - 5, 0)).toBe('reused');
    expect(decide(rotatedAt, 0)).toBe('reused');
  });

  it('is a retry within the interval (a concurrent presentation included), reuse from its end on', () => {
    expect(decide(rotatedAt - 5, 10_000)).toBe('retry');
    expect(decide(rotatedAt + 9_999, 10_000)).toBe('retry');
    expect(decide(rotatedAt + 10_000, 10_000)).toBe('reused');
  });

  it('is reuse within the interval once the family is revoked', () => {
    const revoked = decideRotation({
      token: { expiresAt: 5_000_000, rotatedAt },
      family: { ...family, revokedAt: rotatedAt + 1 },
      now: rotatedAt + 2,
      nextExpiresAt: 6_000_000,
      reuseIntervalMs: 10_000,
    });
    expect(revoked.action).toBe('reused');
  });
});
