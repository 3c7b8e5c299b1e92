import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { JWK } from 'jose';

/** The frameworks measured; each variant belongs to one, and is compared with that one's bare server. */
export const FRAMEWORKS = ['express', 'koa', 'nest'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

export const FRAMEWORK_LABEL: Readonly<Record<Framework, string>> = {
  express: 'Express 5',
  koa: 'Koa 3',
  nest: 'NestJS 11',
};

/**
 * One server process each: the same `GET /hello` behind a different (or no) token check. The
 * Express variants keep their first names (`bare`, `tollgate-hs256`, ...); the others carry their
 * framework's prefix.
 */
export const VARIANTS = [
  'bare',
  'tollgate-eddsa',
  'tollgate-hs256',
  'tollgate-uat',
  'express-jwt',
  'passport-jwt',
  'floor',
  'bare-deferred',
  'tollgate-hs256-deferred',
  'express-jwt-deferred',
  'koa-bare',
  'koa-tollgate-eddsa',
  'koa-tollgate-hs256',
  'koa-tollgate-uat',
  'koa-jwt',
  'koa-floor',
  'nest-bare',
  'nest-tollgate-eddsa',
  'nest-tollgate-hs256',
  'nest-tollgate-uat',
  'nest-passport-jwt',
  'nest-floor',
] as const;
export type Variant = (typeof VARIANTS)[number];

export const VARIANT_FRAMEWORK: Readonly<Record<Variant, Framework>> = {
  bare: 'express',
  'tollgate-eddsa': 'express',
  'tollgate-hs256': 'express',
  'tollgate-uat': 'express',
  'express-jwt': 'express',
  'passport-jwt': 'express',
  floor: 'express',
  'bare-deferred': 'express',
  'tollgate-hs256-deferred': 'express',
  'express-jwt-deferred': 'express',
  'koa-bare': 'koa',
  'koa-tollgate-eddsa': 'koa',
  'koa-tollgate-hs256': 'koa',
  'koa-tollgate-uat': 'koa',
  'koa-jwt': 'koa',
  'koa-floor': 'koa',
  'nest-bare': 'nest',
  'nest-tollgate-eddsa': 'nest',
  'nest-tollgate-hs256': 'nest',
  'nest-tollgate-uat': 'nest',
  'nest-passport-jwt': 'nest',
  'nest-floor': 'nest',
};

/**
 * Express variants that route every request on from `setImmediate` (the event loop's check phase)
 * instead of from the socket's read callback: how much of a first-seen row is scheduling rather than
 * checking. Measured only when named in BENCH_HTTP_VARIANTS, and only first-seen.
 */
export const DEFERRED_VARIANTS = [
  'bare-deferred',
  'tollgate-hs256-deferred',
  'express-jwt-deferred',
] as const;
export const isDeferred = (variant: Variant): boolean =>
  (DEFERRED_VARIANTS as readonly string[]).includes(variant);

/** Each framework's reference: the same route with no check at all. */
export const BARE: Readonly<Record<Framework, Variant>> = {
  express: 'bare',
  koa: 'koa-bare',
  nest: 'nest-bare',
};

export const isBare = (variant: Variant): boolean => BARE[VARIANT_FRAMEWORK[variant]] === variant;

/** Tollgate's variants of each framework, and its peer (the usual JWT check of that framework). */
export const FRAMEWORK_VARIANTS: Readonly<
  Record<
    Framework,
    {
      readonly eddsa: Variant;
      readonly hs256: Variant;
      readonly uat: Variant;
      readonly peers: readonly Variant[];
      /** The least any guard can do in this framework: a `Map` lookup of the `Authorization` header. */
      readonly floor: Variant;
    }
  >
> = {
  express: {
    eddsa: 'tollgate-eddsa',
    hs256: 'tollgate-hs256',
    uat: 'tollgate-uat',
    peers: ['express-jwt', 'passport-jwt'],
    floor: 'floor',
  },
  koa: {
    eddsa: 'koa-tollgate-eddsa',
    hs256: 'koa-tollgate-hs256',
    uat: 'koa-tollgate-uat',
    peers: ['koa-jwt'],
    floor: 'koa-floor',
  },
  nest: {
    eddsa: 'nest-tollgate-eddsa',
    hs256: 'nest-tollgate-hs256',
    uat: 'nest-tollgate-uat',
    peers: ['nest-passport-jwt'],
    floor: 'nest-floor',
  },
};

export const VARIANT_LABEL: Readonly<Record<Variant, string>> = {
  bare: 'bare Express 5',
  'tollgate-eddsa': 'Tollgate, access JWT (EdDSA)',
  'tollgate-hs256': 'Tollgate, access JWT (HS256)',
  'tollgate-uat': 'Tollgate, UAT (SQLite)',
  'express-jwt': 'express-jwt (HS256)',
  'passport-jwt': 'passport-jwt (HS256)',
  floor: 'floor: a Map lookup as middleware',
  'bare-deferred': 'bare Express 5, routed from setImmediate',
  'tollgate-hs256-deferred': 'Tollgate (HS256), routed from setImmediate',
  'express-jwt-deferred': 'express-jwt (HS256), routed from setImmediate',
  'koa-bare': 'bare Koa 3',
  'koa-tollgate-eddsa': 'Tollgate, access JWT (EdDSA)',
  'koa-tollgate-hs256': 'Tollgate, access JWT (HS256)',
  'koa-tollgate-uat': 'Tollgate, UAT (SQLite)',
  'koa-jwt': 'koa-jwt (HS256)',
  'koa-floor': 'floor: a Map lookup as middleware',
  'nest-bare': 'bare NestJS 11',
  'nest-tollgate-eddsa': 'TollgateGuard, access JWT (EdDSA)',
  'nest-tollgate-hs256': 'TollgateGuard, access JWT (HS256)',
  'nest-tollgate-uat': 'TollgateGuard, UAT (SQLite)',
  'nest-passport-jwt': "AuthGuard('jwt'), passport-jwt (HS256)",
  'nest-floor': 'floor: a Map lookup as a guard',
};

/**
 * `repeated`: the same valid credential on every request. `refused`: the same credential with a
 * bad signature (a bad checksum for the UAT) on every request, answered 401. `first-seen`: a new
 * HS256 access token on every request, cycling through a pool larger than Tollgate's cache.
 */
export const SCENARIOS = ['repeated', 'refused', 'first-seen'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** Which variants each scenario measures. */
export const SCENARIO_VARIANTS: Readonly<Record<Scenario, readonly Variant[]>> = {
  repeated: VARIANTS.filter((variant) => !isDeferred(variant)),
  refused: VARIANTS.filter((variant) => !isBare(variant) && !isDeferred(variant)),
  'first-seen': FRAMEWORKS.flatMap((framework) => [
    BARE[framework],
    FRAMEWORK_VARIANTS[framework].hs256,
    ...FRAMEWORK_VARIANTS[framework].peers,
    ...(framework === 'express' ? DEFERRED_VARIANTS : []),
  ]),
};

export const SCENARIO_TITLE: Readonly<Record<Scenario, string>> = {
  repeated: 'valid token, repeated (the same credential on every request: 200)',
  refused: 'refused (the same credential with a bad signature on every request: 401)',
  'first-seen': 'first-seen HS256 (a new access token on every request, pool > cache: 200)',
};

/** What the orchestrator writes once and every server and the load generator read. */
export interface HttpFixture {
  readonly issuer: string;
  readonly audience: string;
  /** Tollgate's cache size in the Tollgate servers. */
  readonly cacheEntries: number;
  readonly keys: { readonly eddsa: JWK; readonly hs256: JWK };
  readonly tokens: {
    readonly eddsa: { readonly valid: string; readonly tampered: string };
    readonly hs256: { readonly valid: string; readonly tampered: string; readonly pool: readonly string[] };
  };
}

/** The one line a server prints on stdout once it listens. */
export interface ServerReady {
  readonly ready: true;
  readonly variant: Variant;
  readonly port: number;
  /** `Authorization` values: accepted (200) and refused (401). */
  readonly valid: string;
  readonly refused: string;
}

/** A command to the load generator: one autocannon run against 127.0.0.1:port. */
export interface LoadCommand {
  readonly id: number;
  readonly port: number;
  readonly seconds: number;
  readonly connections: number;
  /** The same `Authorization` on every request, or (`pool`) the next pool token each request. */
  readonly authorization?: string;
  /** Cursor name: each server gets its own cursor, so it always sees the pool in cyclic order. */
  readonly pool?: string;
  /** The server's pid: its CPU time is read just before and just after the run. */
  readonly serverPid?: number;
}

export interface LoadResult {
  readonly id: number;
  readonly requests: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  /** CPU time the server process used during the run (all its threads), or null where unknown. */
  readonly serverCpuSeconds: number | null;
  /** Latency percentiles, ms. */
  readonly p50: number;
  readonly p99: number;
  readonly statuses: Readonly<Record<string, number>>;
  readonly errors: number;
  readonly timeouts: number;
  readonly error?: string;
}

export const log = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

/** `bench/` (this file is `bench/src/http/common.ts`). */
export const BENCH_DIR = fileURLToPath(new URL('../../', import.meta.url));

/**
 * CPU time of a process so far, in seconds, summed over its threads (Linux: the first field of each
 * `/proc/<pid>/task/<tid>/schedstat`, in ns), or null where that cannot be read.
 */
export function processCpuSeconds(pid: number): number | null {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // A thread that ended between the listing and the read.
      }
    }
    return Number.isFinite(ns) && ns > 0 ? ns / 1e9 : null;
  } catch {
    return null;
  }
}

let tasksetWorks: boolean | undefined;

/** True when `taskset -c 0` and `taskset -c 1` both work here (two CPUs, taskset installed). */
export function canPin(): boolean {
  if (tasksetWorks === undefined) {
    try {
      execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
      execFileSync('taskset', ['-c', '1', 'true'], { stdio: 'ignore' });
      tasksetWorks = true;
    } catch {
      tasksetWorks = false;
    }
  }
  return tasksetWorks;
}

/**
 * Starts `node [nodeArgs] --conditions=dev-source --import tsx <script> [args]` from `bench/`,
 * pinned to `cpu` when taskset works. stdin is a pipe: closing it tells the child to exit.
 */
export function startNode(
  script: string,
  args: readonly string[],
  options: { cpu: number; nodeArgs?: readonly string[]; env?: NodeJS.ProcessEnv },
): ChildProcess {
  const node = [...(options.nodeArgs ?? []), '--conditions=dev-source', '--import', 'tsx', script, ...args];
  const [command, argv] = canPin()
    ? ['taskset', ['-c', String(options.cpu), process.execPath, ...node]]
    : [process.execPath, node];
  return spawn(command, argv, {
    cwd: BENCH_DIR,
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...options.env },
  });
}

/** Yields each stdout line of a child parsed as JSON; non-JSON lines are passed to stderr. */
export function jsonLines(child: ChildProcess): AsyncIterableIterator<unknown> {
  if (!child.stdout) throw new Error('child has no stdout pipe');
  const lines = createInterface({ input: child.stdout });
  const queue: unknown[] = [];
  const waiting: ((result: IteratorResult<unknown>) => void)[] = [];
  let done = false;
  const push = (result: IteratorResult<unknown>) => {
    const resolve = waiting.shift();
    if (resolve) resolve(result);
    else if (!result.done) queue.push(result.value);
  };
  lines.on('line', (line) => {
    if (!line.startsWith('{')) {
      log(line);
      return;
    }
    push({ done: false, value: JSON.parse(line) as unknown });
  });
  lines.on('close', () => {
    done = true;
    while (waiting.length > 0) push({ done: true, value: undefined });
  });
  const iterator: AsyncIterableIterator<unknown> = {
    next: () => {
      if (queue.length > 0) return Promise.resolve({ done: false, value: queue.shift() });
      if (done) return Promise.resolve({ done: true, value: undefined });
      return new Promise((resolve) => waiting.push(resolve));
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/** The next JSON line of a child, or an error after `timeoutMs` or when the child is gone. */
export async function nextLine(
  lines: AsyncIterableIterator<unknown>,
  what: string,
  timeoutMs: number,
): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const result = await Promise.race([lines.next(), timeout]);
    if (result.done) throw new Error(`${what}: the process exited`);
    return result.value;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Ends a child: closes its stdin (it exits by itself, writing its CPU profile if it has one),
 * then SIGTERM and SIGKILL if it is still there after `graceMs`.
 */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin?.end();
  const wait = (ms: number) =>
    Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
  if (await wait(graceMs)) return;
  child.kill('SIGTERM');
  if (await wait(2000)) return;
  child.kill('SIGKILL');
  await exited;
}

/** Exits this process when its stdin closes (the parent is done or gone), or after `maxSeconds`. */
export function exitWithParent(maxSeconds: number, onExit: () => void | Promise<void> = () => {}): void {
  let exiting = false;
  const exit = async (code: number) => {
    if (exiting) return;
    exiting = true;
    try {
      await onExit();
    } finally {
      process.exit(code);
    }
  };
  process.stdin.on('end', () => void exit(0));
  process.stdin.on('error', () => void exit(0));
  process.stdin.resume();
  process.on('SIGTERM', () => void exit(0));
  setTimeout(() => {
    log(`${process.argv[2] ?? 'child'}: still running after ${maxSeconds} s, exiting`);
    void exit(1);
  }, maxSeconds * 1000).unref();
}
