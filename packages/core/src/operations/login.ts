import { z } from 'zod';
import { TollgateError } from '../errors.js';
import type { UserDirectory } from '../ports.js';
import { fromStore } from '../store-errors.js';
import type { UserRecord } from '../types.js';
import type { AuditEmitter } from './audit.js';
import type { HashingGate } from './hashing-gate.js';
import { parseInput, plainText } from './input.js';
import type { LoginLimiter } from './login-limits.js';

/** A login name as every API takes it (an email address in the demo data). */
export const usernameField = plainText(320);
export const passwordField = z.string().min(1).max(1024);

/** A password login's input. */
export interface PasswordLogin {
  readonly username: string;
  readonly password: string;
  /** The caller's IP, for the per-IP brute-force limit (adapters pass what their framework trusts). */
  readonly clientIp?: string | undefined;
  /** The caller's `User-Agent`, recorded on the session and audit events (first 512 characters). */
  readonly userAgent?: string | undefined;
}

export const PasswordLoginInput = z.object({
  username: usernameField,
  password: passwordField,
  clientIp: z.string().optional(),
  userAgent: z.string().optional(),
});

/**
 * Checks a username and password under the brute-force limits, then in a slot of the hashing gate
 * (whatever the directory: the directory hashes on every check). An unknown user and a wrong password
 * are both `invalid_credentials` (and cost the same). A full gate answers `login_overloaded` at once,
 * and the attempt is not counted as a failure.
 */
export function createPasswordLogin(
  users: UserDirectory,
  limiter: LoginLimiter | null,
  gate: HashingGate | null,
  audit: AuditEmitter,
): (input: PasswordLogin) => Promise<UserRecord> {
  return async (input) => {
    const { username, password, clientIp, userAgent } = parseInput(PasswordLoginInput, input);
    const check = () => fromStore(() => users.verifyPassword(username, password));
    const verify = async () => {
      const found = await (gate ? gate.run(check) : check());
      return found && !found.disabled ? found : null;
    };
    // The username as typed, never the password, and the user's id when there is such a user: looked
    // up after the answer, so that a failure's timing does not depend on it.
    const failed = (reason: 'invalid_credentials' | 'rate_limited') => {
      const emit = (userId: string | null) =>
        audit.emit('login.failed', { userId, clientIp, userAgent }, { username, reason });
      users.findUserByUsername(username).then(
        (user) => emit(user?.id ?? null),
        () => emit(null),
      );
    };
    let user: UserRecord | null;
    try {
      user = limiter ? await limiter.attempt({ username, clientIp }, verify) : await verify();
    } catch (error) {
      if (error instanceof TollgateError && error.code === 'rate_limited') {
        audit.emit('rate_limit.hit', { clientIp, userAgent }, { username, rule: 'login' });
        failed('rate_limited');
      }
      throw error;
    }
    if (!user) {
      failed('invalid_credentials');
      throw new TollgateError('invalid_credentials');
    }
    return user;
  };
}
