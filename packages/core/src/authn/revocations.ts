import type { Clock } from '../clock.js';
import type { RevocationChannel, RevocationKind, TokenStore } from '../ports.js';
import { RevocationState, type RevocationSyncOptions, revocationKey } from './revocation-state.js';

export interface Revocations {
  /** What this instance knows is revoked, and whether that knowledge is fresh. */
  readonly state: RevocationState;
  /**
   * Records a revocation the store has just made durable: known here at once, pushed to the other
   * instances on the channel (they would otherwise hear it at their next log sync).
   */
  publish(kind: Exclude<RevocationKind, 'user'>, id: string, expiresAt: number): void;
  /** The same for a `user` revocation: every credential of `userId` from before `before`. */
  publishUser(userId: string, before: number, expiresAt: number): void;
  /** Records a revocation learnt from the store, without telling anyone. */
  note(kind: Exclude<RevocationKind, 'user'>, id: string, expiresAt: number): void;
  /** Stops listening on the channel. */
  close(): void;
}

export function createRevocations(options: {
  readonly store: TokenStore;
  readonly clock: Clock;
  readonly sync: RevocationSyncOptions;
  readonly channel: RevocationChannel | undefined;
  readonly onBackgroundError: (error: unknown) => void;
}): Revocations {
  const { channel, onBackgroundError } = options;
  const state = new RevocationState(options.store, options.clock, options.sync, onBackgroundError);
  let unsubscribe: (() => void) | undefined;
  if (channel) {
    state.expectChannel();
    unsubscribe = channel.subscribe({
      revoked: (notice) => {
        if (notice.kind !== 'user') state.add(revocationKey(notice.kind, notice.id), notice.expiresAt);
        // A user notice without its instant cannot be honoured exactly: the log sync will bring it.
        else if (typeof notice.revokedAt === 'number')
          state.addUser(notice.id, notice.revokedAt, notice.expiresAt);
      },
      connected: () => state.channelConnected(),
      disconnected: () => state.channelDisconnected(),
    });
  }
  // Every token is revocable: read the log now, so the first requests need not wait for it.
  else state.sync().catch(onBackgroundError);
  return {
    state,
    publish(kind, id, expiresAt) {
      state.add(revocationKey(kind, id), expiresAt);
      channel?.publish({ kind, id, expiresAt }).catch(onBackgroundError);
    },
    publishUser(userId, before, expiresAt) {
      state.addUser(userId, before, expiresAt);
      channel?.publish({ kind: 'user', id: userId, revokedAt: before, expiresAt }).catch(onBackgroundError);
    },
    note: (kind, id, expiresAt) => state.add(revocationKey(kind, id), expiresAt),
    close() {
      unsubscribe?.();
      unsubscribe = undefined;
    },
  };
}
