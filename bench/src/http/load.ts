/**
 * The load generator, in its own process: `load.ts <fixture.json>`. Reads one `LoadCommand` JSON
 * line at a time on stdin, runs autocannon against 127.0.0.1 for that long, and prints one
 * `LoadResult` line. Exits when its stdin closes.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import {
  exitWithParent,
  type HttpFixture,
  type LoadCommand,
  type LoadResult,
  processCpuSeconds,
} from './common.js';

const fixtureFile = process.argv[2];
if (fixtureFile === undefined) throw new Error('usage: load.ts <fixture.json>');
const fixture = JSON.parse(readFileSync(fixtureFile, 'utf8')) as HttpFixture;
const pool = fixture.tokens.hs256.pool.map((token) => `Bearer ${token}`);
/** One cursor per server: each one sees the whole pool in cyclic order, whatever ran in between. */
const cursors = new Map<string, number>();

async function run(command: LoadCommand): Promise<LoadResult> {
  const options: autocannon.Options = {
    url: `http://127.0.0.1:${command.port}/hello`,
    connections: command.connections,
    pipelining: 1,
    duration: command.seconds,
    // autocannon notices the end of the duration at its next sample tick (1 s by default).
    sampleInt: 100,
    timeout: 10,
  };
  if (command.pool !== undefined) {
    const cursorName = command.pool;
    let next = cursors.get(cursorName) ?? 0;
    // setupRequest runs for every request of every connection: one shared, global cursor.
    options.requests = [
      {
        method: 'GET',
        path: '/hello',
        setupRequest: (request) => {
          const authorization = pool[next]!;
          next = next + 1 === pool.length ? 0 : next + 1;
          return { ...request, headers: { ...request.headers, authorization } };
        },
      },
    ];
    try {
      return await measured(command, options);
    } finally {
      cursors.set(cursorName, next);
    }
  }
  if (command.authorization !== undefined) options.headers = { authorization: command.authorization };
  return measured(command, options);
}

async function measured(command: LoadCommand, options: autocannon.Options): Promise<LoadResult> {
  const cpu = () => (command.serverPid === undefined ? null : processCpuSeconds(command.serverPid));
  const cpuBefore = cpu();
  const result = await autocannon(options);
  const cpuAfter = cpu();
  const serverCpuSeconds = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
  return summarize(command, result, serverCpuSeconds);
}

function summarize(
  command: LoadCommand,
  result: autocannon.Result,
  serverCpuSeconds: number | null,
): LoadResult {
  const statuses: Record<string, number> = {};
  for (const [status, stats] of Object.entries(result.statusCodeStats ?? {})) {
    statuses[status] = stats.count ?? 0;
  }
  const requests = Object.values(statuses).reduce((a, b) => a + b, 0);
  return {
    id: command.id,
    requests,
    seconds: result.duration,
    requestsPerSecond: requests / result.duration,
    serverCpuSeconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

exitWithParent(Number(process.env.BENCH_HTTP_MAX_SECONDS ?? 900));
const lines = createInterface({ input: process.stdin });
// One command at a time: the orchestrator waits for each answer before it sends the next.
for await (const line of lines) {
  const command = JSON.parse(line) as LoadCommand;
  let result: LoadResult;
  try {
    result = await run(command);
  } catch (error) {
    result = {
      id: command.id,
      requests: 0,
      seconds: 0,
      requestsPerSecond: 0,
      serverCpuSeconds: null,
      p50: 0,
      p99: 0,
      statuses: {},
      errors: 0,
      timeouts: 0,
      error: String(error),
    };
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
