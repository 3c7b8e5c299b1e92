import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { EvictionOrder } from '../eviction-order.js';

/** Counters each in-memory login limiter holds at most, unless `loginLimits.maxKeysInMemory` says. */
export const DEFAULT_MAX_KEYS = 10_000;

export interface BoundedMemoryLimiterOptions {
  readonly keyPrefix: string;
  readonly points: number;
  /** Seconds. */
  readonly duration: number;
  /** Seconds. */
  readonly blockDuration: number;
  /** Most keys held at once. */
  readonly maxKeys: number;
}

// One counter: points taken and when it ends (ms since the epoch; 0: never).
interface Counter {
  value: number;
  expiresAt: number;
}

/**
 * rate-limiter-flexible's in-memory fixed-window limiter (`RateLimiterMemory`'s rules: a key over
 * `points` is blocked for `blockDuration` once), with a bound and no timers.
 *
 * An ended counter is dropped when its key is next used, or to make room. At `maxKeys`, the counter
 * started (or blocked) longest ago is dropped first: usually one that has ended already; if not, that
 * key's failures are forgotten. So at the bound the limiter forgets the oldest counters: it never
 * refuses a login because it is full, and its memory never grows past the bound (about 150 bytes
 * a key). Only a flood of fresh keys reaches the bound; the per-IP counter, checked first, keeps any
 * one address from making them.
 *
 * (It extends `RateLimiterMemory` only to be one to callers and types: rate-limiter-flexible does
 * not export its abstract class at run time. Every operation is its own; `dump`/`restore` are not
 * supported.)
 */
export class BoundedMemoryLimiter extends RateLimiterMemory {
  readonly maxKeys: number;
  readonly #counters = new Map<string, Counter>();
  readonly #order = new EvictionOrder(this.#counters);

  constructor(options: BoundedMemoryLimiterOptions) {
    super({
      keyPrefix: options.keyPrefix,
      points: options.points,
      duration: options.duration,
      blockDuration: options.blockDuration,
    });
    if (!Number.isInteger(options.maxKeys) || options.maxKeys < 1)
      throw new TypeError('maxKeys must be a positive integer');
    this.maxKeys = options.maxKeys;
  }

  /** Keys held now (ended ones not yet dropped included). */
  get size(): number {
    return this.#counters.size;
  }

  #live(key: string, now: number): Counter | undefined {
    const counter = this.#counters.get(key);
    if (counter && counter.expiresAt !== 0 && counter.expiresAt <= now) {
      this.#counters.delete(key);
      return undefined;
    }
    return counter;
  }

  // (Re)starts a counter at the newest end of the map, dropping the oldest ones if full.
  #start(key: string, value: number, seconds: number, now: number): RateLimiterRes {
    this.#counters.delete(key);
    while (this.#counters.size >= this.maxKeys && this.#order.evictOldest());
    const ms = seconds * 1000;
    this.#counters.set(key, { value, expiresAt: ms > 0 ? now + ms : 0 });
    return this.#res(value, ms > 0 ? ms : -1, true);
  }

  #res(consumed: number, msBeforeNext: number, first: boolean): RateLimiterRes {
    return new RateLimiterRes(Math.max(this.points - consumed, 0), msBeforeNext, consumed, first);
  }

  #add(key: string | number, points: number, create: boolean): RateLimiterRes {
    const id = String(key);
    const now = Date.now();
    const counter = this.#live(id, now);
    if (!counter) return create ? this.#start(id, points, this.duration, now) : this.#res(0, 0, false);
    counter.value += points;
    return this.#res(counter.value, counter.expiresAt === 0 ? -1 : counter.expiresAt - now, false);
  }

  override consume(key: string | number, pointsToConsume = 1): Promise<RateLimiterRes> {
    let res = this.#add(key, pointsToConsume, true);
    if (res.consumedPoints <= this.points) return Promise.resolve(res);
    // Blocked once, on the attempt that went over (as RateLimiterMemory does).
    if (this.blockDuration > 0 && res.consumedPoints <= this.points + pointsToConsume) {
      res = this.#start(String(key), res.consumedPoints, this.blockDuration, Date.now());
      res = this.#res(res.consumedPoints, res.msBeforeNext, false);
    }
    return Promise.reject(res);
  }

  override penalty(key: string | number, points = 1): Promise<RateLimiterRes> {
    return Promise.resolve(this.#add(key, points, true));
  }

  /** Gives points back to a counter still running; never starts one. */
  override reward(key: string | number, points = 1): Promise<RateLimiterRes> {
    return Promise.resolve(this.#add(key, -points, false));
  }

  override get(key: string | number): Promise<RateLimiterRes | null> {
    const now = Date.now();
    const counter = this.#live(String(key), now);
    if (!counter) return Promise.resolve(null);
    return Promise.resolve(
      this.#res(counter.value, counter.expiresAt === 0 ? -1 : counter.expiresAt - now, false),
    );
  }

  override set(key: string | number, points: number, secDuration: number): Promise<RateLimiterRes> {
    return Promise.resolve(this.#start(String(key), points, secDuration, Date.now()));
  }

  override block(key: string | number, secDuration: number): Promise<RateLimiterRes> {
    return Promise.resolve(this.#start(String(key), this.points + 1, secDuration, Date.now()));
  }

  override delete(key: string | number): Promise<boolean> {
    return Promise.resolve(this.#counters.delete(String(key)));
  }
}
