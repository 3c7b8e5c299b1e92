import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { read } from 'read';
import { createTollgateClient, type TollgateClient } from '../client.js';
import type { AnySession } from '../session.js';
import { isSessionState, type SessionState } from '../state.js';
import type { TokenStorage } from '../storage.js';
import type { FetchLike } from '../transport.js';
import type { UatSummary } from '../types.js';
import type { HelpTopic } from './help.js';

// What every command shares: the CLI's I/O, its errors, option parsing and the saved session.

/** Standard input as the CLI reads it: a stream, a terminal when `isTTY` (then with `setRawMode`). */
export type CliStdin = NodeJS.ReadableStream & {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
};

/** What the CLI touches outside itself; `runCli` defaults each to the process's own. */
export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Where the default `readSecret` and `readLine` read (default `process.stdin`). */
  readonly stdin: CliStdin;
  /** A secret: typed without echo on a terminal; otherwise the first line of standard input. */
  readonly readSecret: (prompt: string) => Promise<string>;
  /** A visible answer on a terminal; null when there is no terminal to ask. */
  readonly readLine: (prompt: string) => Promise<string | null>;
  readonly fetch?: FetchLike;
}

/** `--help` or `-h` before any `--`. */
export function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

/** Thrown to print a command's help (stdout, exit code 0) instead of running it. */
export class HelpRequest {
  constructor(readonly topic: HelpTopic) {}
}

/**
 * A refusal that is not an HTTP answer (the database said no: an unknown user, a taken username;
 * or it cannot be reached): exit code 1, printed as `error: <message> [<code>]`.
 */
export class Refused extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** A mistake of the user's: exit code 2. With a topic, that command's usage is printed too. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly topic?: HelpTopic,
  ) {
    super(message);
  }
}

export interface CliState {
  readonly version: 1;
  readonly url: string;
  readonly session: SessionState;
}

export interface Context {
  readonly io: CliIo;
  readonly out: (line?: string) => void;
  readonly file: string;
  readonly store: TokenStorage<CliState>;
}

export const SCHEMES = ['jwt', 'pair', 'user'] as const;
export type CliScheme = (typeof SCHEMES)[number];
export const SCHEME_LABEL: Record<SessionState['scheme'], string> = {
  jwt: 'JWT login (scheme D)',
  pair: 'token pair (scheme C)',
  user: 'user token (scheme A)',
  delegated: 'delegated login (scheme B)',
  uat: 'user authorization token (scheme D)',
};

/** The process's own streams and environment, with `overrides` on top. */
export function cliIo(overrides: Partial<CliIo>): CliIo {
  const stdin: CliStdin = overrides.stdin ?? process.stdin;
  const stderr = overrides.stderr ?? ((text: string) => process.stderr.write(text));
  // Prompts go to standard error (standard output is the command's result).
  const promptOutput = overrides.stderr ? writerStream(overrides.stderr) : process.stderr;
  return {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    readSecret: (prompt) => (stdin.isTTY ? ask(stdin, promptOutput, prompt, true) : readFirstLine(stdin)),
    readLine: async (prompt) => (stdin.isTTY ? ask(stdin, promptOutput, prompt, false) : null),
    ...overrides,
    stdin,
    stderr,
  };
}

/**
 * A question on the terminal, through `read` (readline, muted while a secret is typed). `terminal`
 * is forced: the output may be a plain stream (tests, an overridden stderr) while the input is a
 * terminal, and without it readline would leave the terminal echoing the secret.
 */
async function ask(
  stdin: CliStdin,
  output: NodeJS.WritableStream,
  prompt: string,
  silent: boolean,
): Promise<string> {
  // Ctrl-D closes readline without an answer and `read` never settles: once nothing else is left
  // to run, that is a cancelled prompt too, not a silent exit 0.
  let onIdle = () => {};
  const closed = new Promise<never>((_, reject) => {
    onIdle = () => reject(new UsageError('cancelled'));
    process.once('beforeExit', onIdle);
  });
  try {
    return await Promise.race([read({ prompt, silent, input: stdin, output, terminal: true }), closed]);
  } catch (error) {
    if (error instanceof Error && error.message === 'canceled') throw new UsageError('cancelled'); // Ctrl-C
    throw error;
  } finally {
    process.off('beforeExit', onIdle);
  }
}

function writerStream(write: (text: string) => void): NodeJS.WritableStream {
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      write(chunk.toString());
      done();
    },
  });
}

async function readFirstLine(stdin: CliStdin): Promise<string> {
  const rl = createInterface({ input: stdin, terminal: false });
  try {
    for await (const line of rl) return line;
    return '';
  } finally {
    rl.close();
  }
}

/** An option of a command, as `parseArgs` takes it. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
}

/** What `parse` finds: each option's value (a list for `multiple`), absent when not given. */
export type OptionValues<T extends Record<string, OptionSpec>> = {
  -readonly [K in keyof T]?: T[K]['type'] extends 'boolean'
    ? boolean
    : T[K]['multiple'] extends true
      ? string[]
      : string;
};

/** The command's options; its help when asked for, a one-line usage error for a bad option. */
export function parse<const T extends Record<string, OptionSpec>>(
  args: readonly string[],
  options: T,
  topic: HelpTopic,
): { values: OptionValues<T>; positionals: string[] } {
  if (wantsHelp(args)) throw new HelpRequest(topic);
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: options as Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as OptionValues<T>, positionals };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown }).code;
    const option = /'(-{1,2}[\w-]+)/.exec(message)?.[1];
    if (option === '--password') {
      throw new UsageError(
        'the password is never an argument: set TOLLGATE_PASSWORD or answer the prompt',
        topic,
      );
    }
    if (option && code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      throw new UsageError(`unknown option ${option}`, topic);
    }
    if (option && code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const takesNone = /does not take an argument/.test(message);
      throw new UsageError(takesNone ? `${option} takes no value` : `${option} needs a value`, topic);
    }
    throw new UsageError(message.split('\n')[0] ?? message, topic);
  }
}

export function noPositionals(positionals: readonly string[], topic: HelpTopic): void {
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`, topic);
}

/** The subcommand of a group (`env`, `uat`, `sessions`…), its help when asked for, or a usage error. */
export function subcommand<const S extends string>(
  group: 'env' | 'uat' | 'sessions' | 'admin' | 'users' | 'keys',
  known: readonly S[],
  sub: string | undefined,
): S {
  if (sub === '--help' || sub === '-h') throw new HelpRequest(group);
  if (sub === undefined) throw new UsageError(`${group} needs a command: ${known.join(', ')}`, group);
  if (sub.startsWith('-')) throw new UsageError(`unknown option ${sub}`, group);
  if (!(known as readonly string[]).includes(sub)) {
    throw new UsageError(`unknown ${group} command: ${sub}`, group);
  }
  return sub as S;
}

function sessionStorage(context: Context, url: string): TokenStorage {
  return {
    get: async () => {
      const state = await context.store.get();
      return state && state.url === url ? state.session : null;
    },
    set: (session) => context.store.set({ version: 1, url, session }),
    clear: () => context.store.clear(),
  };
}

export function clientFor(context: Context, url: string): TollgateClient {
  return createTollgateClient({
    baseUrl: url,
    storage: sessionStorage(context, url),
    ...(context.io.fetch ? { fetch: context.io.fetch } : {}),
  });
}

/** The saved session, or a usage error telling to log in. */
export async function saved(
  context: Context,
): Promise<{ client: TollgateClient; session: AnySession; url: string }> {
  let state: CliState | null;
  try {
    state = await context.store.get();
  } catch (error) {
    throw new UsageError(
      `cannot read ${context.file}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (!state || typeof state.url !== 'string' || !isSessionState(state.session)) {
    throw new UsageError("not signed in: run 'tollgate login' first");
  }
  const mode = (await stat(context.file)).mode;
  if ((mode & 0o077) !== 0) {
    context.io.stderr(`warning: ${context.file} is readable by others; run: chmod 600 '${context.file}'\n`);
  }
  const client = clientFor(context, state.url);
  const session = await client.resume();
  if (!session) throw new UsageError("not signed in: run 'tollgate login' first");
  return { client, session, url: state.url };
}

/** The one positional argument a command takes (`what` names it in the error when missing). */
export function onePositional(positionals: readonly string[], topic: HelpTopic, what: string): string {
  const [value, extra] = positionals;
  if (value === undefined || value === '') throw new UsageError(`${topic} needs ${what}`, topic);
  if (extra !== undefined) throw new UsageError(`unexpected argument: ${extra}`, topic);
  return value;
}

/** Rows as aligned columns (two spaces apart), the first row a header; trailing blanks trimmed. */
export function printTable(out: (line?: string) => void, rows: readonly (readonly string[])[]): void {
  const widths = rows[0]!.map((_cell, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows) {
    out(
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    );
  }
}

/** `s` when `count` is not 1. */
export const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;

export function uatStatus(uat: UatSummary, now: number): string {
  if (uat.revoked_at !== null) return 'revoked';
  return Date.parse(uat.expires_at) <= now ? 'expired' : 'active';
}
