import type { Clock } from '../clock.js';
import type { AuditLog, TokenStore } from '../ports.js';
import { fromStore } from '../store-errors.js';

export interface Housekeeping {
  /** Deletes expired rows now, batch after batch (at most 100 batches); returns how many. */
  purgeExpired(): Promise<number>;
  /** Stops the background timer. */
  stop(): void;
}

/** Deletes expired rows in bounded batches, in the background unless `intervalMs` is false. */
export function createHousekeeping(options: {
  readonly store: TokenStore;
  /** Its events past their retention are purged too. */
  readonly auditLog: AuditLog | null;
  readonly clock: Clock;
  readonly batchSize: number;
  readonly intervalMs: number | false;
  readonly onBackgroundError: (error: unknown) => void;
}): Housekeeping {
  const { store, auditLog, clock, batchSize } = options;
  const purge = async (target: Pick<TokenStore, 'purgeExpired'>): Promise<number> => {
    let total = 0;
    for (let batch = 0; batch < 100; batch++) {
      const deleted = await fromStore(() => target.purgeExpired({ now: clock.now(), limit: batchSize }));
      total += deleted;
      if (deleted < batchSize) break;
    }
    return total;
  };
  const purgeExpired = async (): Promise<number> =>
    (await purge(store)) + (auditLog === null ? 0 : await purge(auditLog));
  let timer: ReturnType<typeof setInterval> | undefined;
  if (options.intervalMs !== false) {
    let running = false;
    timer = setInterval(() => {
      if (running) return;
      running = true;
      purgeExpired()
        .catch(options.onBackgroundError)
        .finally(() => {
          running = false;
        });
    }, options.intervalMs);
    timer.unref();
  }
  return {
    purgeExpired,
    stop: () => {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
