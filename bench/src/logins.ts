/**
 * `pnpm bench:logins`: password logins under load against a real server (the Express example on a
 * temporary SQLite file, scrypt with OWASP parameters). For 8, 24 and 64 concurrent clients, each
 * posting `POST /api/v2/auth/token` with a right password in a loop (a 503 is retried at once, as an
 * attacker would): successful logins/s, p50/p99 of successful logins, 503s and their p99, and the
 * server's peak RSS (VmHWM, reset before each round). With the default cap, and without it; login
 * limits off (see logins-server.ts). A round ends when the last request sent before its end returns.
 *
 * Options: `--seconds N` per round (default 20), `--levels 8,24,64`, `--no-uncapped`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DEFAULT_PASSWORD_HASHING, type PasswordHashingOptions } from '@tollgate/core';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
};
const SECONDS = Number(arg('seconds') ?? 20);
const LEVELS = (arg('levels') ?? '8,24,64').split(',').map(Number);
const BODY = JSON.stringify({ username: 'bob@acme.test', password: 'Acme!user1' });

interface Server {
  readonly url: string;
  readonly child: ChildProcess;
}

async function startServer(
  passwordHashing: PasswordHashingOptions | false,
  database: string,
): Promise<Server> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=dev-source',
      '--import',
      'tsx',
      join(import.meta.dirname, 'logins-server.ts'),
      JSON.stringify(passwordHashing),
      database,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    const match = /^listening on (\S+)/.exec(line);
    if (match) return { url: match[1]!, child };
  }
  throw new Error('the server exited before listening');
}

const peakRssMb = (pid: number): number => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
};
const resetPeak = (pid: number) => {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // not permitted: the peak is then since the server started
  }
};

const percentile = (values: number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

async function round(server: Server, clients: number) {
  const ok: number[] = [];
  const shed: number[] = [];
  let other = 0;
  let failed = 0;
  resetPeak(server.child.pid!);
  const started = performance.now();
  const end = started + SECONDS * 1000;
  const client = async () => {
    while (performance.now() < end) {
      const sent = performance.now();
      // A keep-alive socket the server closed between rounds: counted, and the client goes on.
      const reply = await fetch(`${server.url}/api/v2/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: BODY,
      }).catch(() => null);
      if (reply === null) {
        failed++;
        continue;
      }
      await reply.arrayBuffer();
      const ms = performance.now() - sent;
      if (reply.status === 200) ok.push(ms);
      else if (reply.status === 503) shed.push(ms);
      else other++;
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  const elapsed = (performance.now() - started) / 1000;
  return {
    clients,
    'logins/s': (ok.length / elapsed).toFixed(2),
    'p50 ms': Math.round(percentile(ok, 50)),
    'p99 ms': Math.round(percentile(ok, 99)),
    '503s': shed.length,
    '503 p99 ms': shed.length ? Math.round(percentile(shed, 99)) : '-',
    other,
    'network errors': failed,
    'peak RSS MB': Math.round(peakRssMb(server.child.pid!)),
  };
}

async function run(label: string, passwordHashing: PasswordHashingOptions | false) {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-logins-'));
  const server = await startServer(passwordHashing, join(dir, 'tollgate.db'));
  try {
    console.log(`\n${label}`);
    const rows = [];
    for (const clients of LEVELS) rows.push(await round(server, clients));
    console.table(rows);
  } finally {
    server.child.kill('SIGTERM');
    await once(server.child, 'exit');
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(
  `bench:logins: ${SECONDS} s per round, POST /api/v2/auth/token (right password), scrypt N=2^17 r=8 p=1, Node ${process.version}`,
);
const { maxConcurrent, maxQueue, retryAfterSeconds } = DEFAULT_PASSWORD_HASHING;
await run(
  `capped (default passwordHashing: maxConcurrent ${maxConcurrent}, maxQueue ${maxQueue}, Retry-After ${retryAfterSeconds} s)`,
  {},
);
if (!process.argv.includes('--no-uncapped')) await run('uncapped (passwordHashing: false)', false);
