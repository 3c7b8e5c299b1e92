import { redactSecrets } from './secrets.js';

/**
 * Where Tollgate writes what goes wrong out of a caller's sight (an unexpected 500, a failed
 * background task): pino-compatible, `logger.error({ err }, 'message')`. A pino logger (or a child of
 * one) is one; so is anything with these three methods.
 */
export interface TollgateLogger {
  error(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
}

/** An error as a log line may carry it: type, stable code, message and stack, secrets redacted. */
export interface LoggedError {
  readonly type: string;
  readonly message: string;
  readonly code?: string;
  readonly stack?: string;
  readonly cause?: LoggedError;
}

/**
 * What of an error goes to the log: its name, `code`, message and stack, each passed through
 * `redactSecrets` (no token value, no secret-named field), and its `cause` chain (three deep). No
 * other property: a driver's error may carry the query's parameters.
 */
export function loggedError(error: unknown, depth = 0): LoggedError {
  if (!(error instanceof Error)) {
    return { type: typeof error, message: redactSecrets(String(error).slice(0, 1000)) };
  }
  const code = (error as { code?: unknown }).code;
  const cause = depth < 3 && error.cause !== undefined ? loggedError(error.cause, depth + 1) : undefined;
  return {
    type: error.name,
    message: redactSecrets(error.message),
    ...(typeof code === 'string' ? { code } : {}),
    ...(error.stack ? { stack: redactSecrets(error.stack) } : {}),
    ...(cause ? { cause } : {}),
  };
}

const line = (level: string, obj: Record<string, unknown>, msg: string): string =>
  JSON.stringify({ level, time: new Date().toISOString(), name: 'tollgate', msg, ...obj });

/**
 * The default logger: one JSON line per entry on stderr (`console.error`). Give `logger` (e.g. your
 * app's pino) to send them with your other logs.
 */
export const consoleLogger: TollgateLogger = Object.freeze({
  error: (obj: Record<string, unknown>, msg: string) => console.error(line('error', obj, msg)),
  warn: (obj: Record<string, unknown>, msg: string) => console.error(line('warn', obj, msg)),
  info: (obj: Record<string, unknown>, msg: string) => console.error(line('info', obj, msg)),
});

/** Background work whose failure is reported: what the log line's `task` says. */
export type BackgroundTask = 'revocations' | 'housekeeping' | 'last-used-update' | 'audit-sink';

/**
 * The reporter of one background task: the app's `onBackgroundError` when given (it overrides
 * the log), else a `warn` line with the task and the error, redacted.
 */
export function backgroundReporter(
  logger: TollgateLogger,
  onBackgroundError: ((error: unknown) => void) | undefined,
): (task: BackgroundTask) => (error: unknown) => void {
  if (onBackgroundError) return () => onBackgroundError;
  return (task) => (error) =>
    logger.warn({ task, err: loggedError(error) }, `tollgate background work failed: ${task}`);
}
