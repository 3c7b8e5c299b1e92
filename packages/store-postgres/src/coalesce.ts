/**
 * Reads by key that arrive while earlier reads are still out are sent together, as one query. A
 * read never joins a query that was already sent: its answer always reflects every write committed
 * before it was asked for (a UAT revoked a moment ago is never answered from an older query).
 *
 * Idle, a read is sent at once, alone: no timer and no added latency. Under load, at most
 * `maxInFlight` queries are out at a time and every read that arrives meanwhile waits for the next
 * one, which carries up to `maxBatch` keys: one round trip for many first-seen tokens.
 */
export interface CoalescedReaderOptions<K, V> {
  /** Reads these keys (distinct) in one query: the found ones in the map, the others absent. */
  readonly readMany: (keys: readonly K[]) => Promise<ReadonlyMap<K, V>>;
  /** How many queries may be out at a time; at least 1. */
  readonly maxInFlight: number;
  /** The most keys one query carries; at least 1. */
  readonly maxBatch: number;
}

interface Waiter<V> {
  readonly resolve: (value: V | undefined) => void;
  readonly reject: (error: unknown) => void;
}

/** `read(key)`: the value, or undefined when there is none. A failed query rejects each of its reads. */
export function createCoalescedReader<K, V>(
  options: CoalescedReaderOptions<K, V>,
): (key: K) => Promise<V | undefined> {
  const { readMany, maxInFlight, maxBatch } = options;
  if (!Number.isSafeInteger(maxInFlight) || maxInFlight < 1) throw new RangeError('maxInFlight must be >= 1');
  if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) throw new RangeError('maxBatch must be >= 1');

  // Keys not sent yet, in arrival order; several reads of one key share its entry.
  let waiting = new Map<K, Waiter<V>[]>();
  let inFlight = 0;

  const send = (): void => {
    let batch: Map<K, Waiter<V>[]>;
    if (waiting.size <= maxBatch) {
      batch = waiting;
      waiting = new Map();
    } else {
      batch = new Map();
      for (const [key, waiters] of waiting) {
        if (batch.size === maxBatch) break;
        batch.set(key, waiters);
        waiting.delete(key);
      }
    }
    inFlight++;
    let query: Promise<ReadonlyMap<K, V>>;
    try {
      query = readMany([...batch.keys()]);
    } catch (error) {
      query = Promise.reject(error);
    }
    query
      .then(
        (found) => {
          for (const [key, waiters] of batch) {
            const value = found.get(key);
            for (const waiter of waiters) waiter.resolve(value);
          }
        },
        (error: unknown) => {
          for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
        },
      )
      .finally(() => {
        inFlight--;
        while (waiting.size > 0 && inFlight < maxInFlight) send();
      });
  };

  return (key) =>
    new Promise<V | undefined>((resolve, reject) => {
      const waiters = waiting.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else waiting.set(key, [{ resolve, reject }]);
      if (inFlight < maxInFlight) send();
    });
}
