import type { ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import {
  BENCH_DIR,
  isBare,
  jsonLines,
  type LoadCommand,
  type LoadResult,
  nextLine,
  SCENARIO_VARIANTS,
  type Scenario,
  type ServerReady,
  startNode,
  stopChild,
  type Variant,
} from './common.js';
import { measurementId } from './report.js';

/** One plain GET /hello (no keep-alive), for the checks before any load. */
function get(port: number, authorization?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/hello',
        agent: false,
        headers: authorization === undefined ? {} : { authorization },
        timeout: 10_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

export interface Server {
  readonly variant: Variant;
  readonly child: ChildProcess;
  readonly ready: ServerReady;
}

/**
 * Starts one server variant pinned to CPU 0 (`node --no-memory-reducer`) and waits for its ready
 * line. `profile`: under `node --cpu-prof`, the profile written to results/prof/ when it exits.
 */
export async function startServer(
  variant: Variant,
  fixtureFile: string,
  options: { profile?: boolean } = {},
): Promise<Server> {
  const nodeArgs = [
    // A guarded server sits idle for minutes between its runs while the bare one runs all the time.
    // Idle, V8's memory reducer shrinks the heap (full GCs, ~100 MB committed down to ~22 MB), and the
    // next run pays for regrowing it: ~10% of req/s/core, against the guarded variants only. A server
    // under steady load never idles that long: keep the heap as the load left it.
    '--no-memory-reducer',
    ...(options.profile === true
      ? ['--cpu-prof', `--cpu-prof-dir=${join(BENCH_DIR, 'results', 'prof')}`]
      : []),
  ];
  const child = startNode('src/http/server.ts', [variant, fixtureFile], {
    cpu: 0,
    nodeArgs,
    env: { NODE_ENV: 'production' },
  });
  const ready = (await nextLine(jsonLines(child), `server ${variant}`, 120_000)) as ServerReady;
  if (ready.ready !== true || ready.variant !== variant) throw new Error(`server ${variant}: bad ready line`);
  return { variant, child, ready };
}

/** Before any load: 200 and the body for the valid credential, 401 for the refused one, and so on. */
export async function checkServer(server: Server, fixture: { pool: readonly string[] }): Promise<void> {
  const { port, valid, refused } = server.ready;
  const fail = (what: string, got: { status: number; body: string }) => {
    throw new Error(`bench sanity check failed: ${server.variant} ${what}: got ${got.status} ${got.body}`);
  };
  const ok = await get(port, valid);
  if (ok.status !== 200 || ok.body !== '{"hello":"world"}') fail('valid credential', ok);
  // The bare servers check nothing: they answer 200 whatever the credential.
  if (isBare(server.variant) || server.variant === 'bare-deferred') return;
  const bad = await get(port, refused);
  if (bad.status !== 401) fail('tampered credential', bad);
  const none = await get(port);
  if (none.status !== 401) fail('no credential', none);
  if (SCENARIO_VARIANTS['first-seen'].includes(server.variant)) {
    // The end of the pool: seen again only after a whole cycle, long evicted by then.
    for (const token of fixture.pool.slice(-2)) {
      const first = await get(port, `Bearer ${token}`);
      if (first.status !== 200) fail('pool token', first);
    }
  }
}

/** The autocannon process, pinned to CPU 1: one run at a time. */
export class LoadGenerator {
  readonly #child: ChildProcess;
  readonly #lines: AsyncIterableIterator<unknown>;
  #id = 0;

  constructor(fixtureFile: string) {
    this.#child = startNode('src/http/load.ts', [fixtureFile], { cpu: 1 });
    this.#lines = jsonLines(this.#child);
  }

  async run(command: Omit<LoadCommand, 'id'>): Promise<LoadResult> {
    const id = ++this.#id;
    this.#child.stdin?.write(`${JSON.stringify({ ...command, id })}\n`);
    const result = (await nextLine(
      this.#lines,
      'load generator',
      (command.seconds + 30) * 1000,
    )) as LoadResult;
    if (result.id !== id) throw new Error('load generator: answer out of order');
    if (result.error) throw new Error(`load generator: ${result.error}`);
    return result;
  }

  stop(): Promise<void> {
    return stopChild(this.#child);
  }
}

export interface Plan {
  readonly scenario: Scenario;
  readonly variant: Variant;
  readonly expected: number;
}

/**
 * One autocannon run of a scenario against a server. Throws unless every response had the
 * expected status (200, or 401 for `refused`) and there was no error or timeout.
 */
export async function runStep(
  load: LoadGenerator,
  server: Server,
  step: Plan,
  options: { seconds: number; connections: number },
): Promise<LoadResult> {
  const command: Omit<LoadCommand, 'id'> = {
    port: server.ready.port,
    seconds: options.seconds,
    connections: options.connections,
    ...(server.child.pid === undefined ? {} : { serverPid: server.child.pid }),
    ...(step.scenario === 'first-seen'
      ? { pool: step.variant }
      : { authorization: step.scenario === 'refused' ? server.ready.refused : server.ready.valid }),
  };
  const result = await load.run(command);
  const unexpected = Object.entries(result.statuses).filter(([status]) => status !== String(step.expected));
  if (unexpected.length > 0 || result.errors > 0 || result.timeouts > 0 || result.requests === 0) {
    throw new Error(
      `${measurementId(step.scenario, step.variant)}: expected only ${step.expected}, got ${JSON.stringify(
        result.statuses,
      )}, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  return result;
}
