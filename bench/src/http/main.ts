/**
 * `pnpm bench:http`: Tollgate's Express, Koa and Nest adapters over real HTTP, each against its bare
 * framework and its usual JWT check (express-jwt and passport-jwt; koa-jwt; @nestjs/passport with
 * passport-jwt). Each server variant runs in its own process pinned to CPU 0; autocannon runs in
 * another process pinned to CPU 1; this process only orchestrates. Everything on 127.0.0.1.
 *   pnpm bench:http [-- --framework express|koa|nest[,...]]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BARE,
  BENCH_DIR,
  canPin,
  FRAMEWORK_LABEL,
  FRAMEWORK_VARIANTS,
  FRAMEWORKS,
  type Framework,
  isBare,
  isDeferred,
  type LoadResult,
  log,
  SCENARIO_VARIANTS,
  SCENARIOS,
  type Scenario,
  stopChild,
  VARIANT_FRAMEWORK,
  VARIANT_LABEL,
  VARIANTS,
  type Variant,
} from './common.js';
import { createHttpFixture } from './fixture.js';
import {
  type Basis,
  bareScenario,
  formatTable,
  formatTargets,
  type Measurement,
  measurementId,
  type RoundResult,
  relative,
  summarize,
  type Target,
  target,
} from './report.js';
import { checkServer, LoadGenerator, type Plan, runStep, type Server, startServer } from './runner.js';

/**
 * `--framework koa` (or `--framework=koa`; a comma list, or the flag repeated): only these
 * frameworks. All of them by default.
 */
function frameworksFromArgs(argv: readonly string[]): readonly Framework[] {
  const named: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') continue; // what `pnpm bench:http -- --framework koa` may pass on
    let value: string | undefined;
    if (arg === '--framework') value = argv[++i];
    else if (arg.startsWith('--framework=')) value = arg.slice('--framework='.length);
    else
      throw new Error(`unknown argument ${arg}; usage: main.ts [--framework ${FRAMEWORKS.join('|')}[,...]]`);
    if (value === undefined) throw new Error('--framework needs a value');
    named.push(
      ...value
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name.length > 0),
    );
  }
  for (const name of named)
    if (!FRAMEWORKS.includes(name as Framework))
      throw new Error(`--framework: unknown framework ${name} (${FRAMEWORKS.join(', ')})`);
  return named.length === 0 ? FRAMEWORKS : FRAMEWORKS.filter((framework) => named.includes(framework));
}

/** Knobs, from the environment: BENCH_QUICK=1 for a short smoke run; the others override one value. */
function settings() {
  const quick = process.env.BENCH_QUICK === '1';
  const number = (name: string, fallback: number) => {
    const value = Number.parseFloat(process.env[name] ?? '');
    return Number.isFinite(value) && value > 0 ? value : fallback;
  };
  const only = (process.env.BENCH_HTTP_VARIANTS ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  for (const name of only)
    if (!VARIANTS.includes(name as Variant)) throw new Error(`BENCH_HTTP_VARIANTS: unknown variant ${name}`);
  const frameworks = frameworksFromArgs(process.argv.slice(2));
  // The chosen variants of the chosen frameworks, and the bare server of each framework they are in.
  const chosen = VARIANTS.filter(
    (v) =>
      frameworks.includes(VARIANT_FRAMEWORK[v]) && (only.length === 0 ? !isDeferred(v) : only.includes(v)),
  );
  const variants = VARIANTS.filter(
    (v) =>
      chosen.includes(v) || (isBare(v) && chosen.some((c) => VARIANT_FRAMEWORK[c] === VARIANT_FRAMEWORK[v])),
  );
  if (variants.length === 0) throw new Error('no variant of the chosen frameworks: nothing to measure');
  return {
    quick,
    frameworks: [...new Set(variants.map((v) => VARIANT_FRAMEWORK[v]))],
    rounds: Math.round(number('BENCH_ROUNDS', quick ? 2 : 5)),
    /** Measured seconds per variant and scenario, per round. */
    seconds: number('BENCH_HTTP_SECONDS', quick ? 1 : 1.5),
    /** Unrecorded load just before each measurement. */
    settleSeconds: number('BENCH_HTTP_SETTLE_SECONDS', quick ? 0.2 : 0.3),
    /** One unrecorded pass over every measurement before round 1 (JIT, caches, pools). */
    warmupSeconds: number('BENCH_HTTP_WARMUP_SECONDS', quick ? 0.5 : 1.5),
    /** A pair of runs is measured again when a server had its core less than this share of the time. */
    minCpuShare: number('BENCH_HTTP_MIN_CPU_SHARE', 0.9),
    retries: Math.round(number('BENCH_HTTP_RETRIES', quick ? 1 : 2)),
    /**
     * No more retries once this many seconds of measuring have passed. Default: 15% more than the
     * measuring itself takes (rounds x pairs x both runs), whatever the frameworks chosen.
     */
    budgetSeconds: process.env.BENCH_HTTP_BUDGET_SECONDS ? number('BENCH_HTTP_BUDGET_SECONDS', 400) : null,
    connections: Math.round(number('BENCH_HTTP_CONNECTIONS', 10)),
    pool: Math.round(number('BENCH_HTTP_POOL', 20_000)),
    /** Tollgate's cache size: its default. */
    cacheEntries: Math.round(number('BENCH_HTTP_CACHE', 10_000)),
    /** Only these variants (with the bare server of each of their frameworks); all by default. */
    variants,
    /** A server variant to run under `node --cpu-prof` (profile in results/prof/). */
    profile: process.env.BENCH_HTTP_PROFILE as Variant | undefined,
  };
}

/**
 * Tollgate's targets per framework: a repeated token (EdDSA, HS256, UAT) against the bare framework,
 * and ahead of the framework's usual JWT checks (express-jwt and passport-jwt; koa-jwt;
 * AuthGuard('jwt') with passport-jwt) on repeated and on first-seen tokens. Express also: first-seen
 * HS256 against bare Express, and a 401 no slower than a 200; elsewhere the 401/200 ratios are
 * printed, not targets.
 */
const FRAMEWORK_TARGETS: Readonly<
  Record<Framework, { repeated: number; firstSeen?: number; ahead: boolean; refused: boolean }>
> = {
  express: { repeated: 0.95, firstSeen: 0.9, ahead: true, refused: true },
  koa: { repeated: 0.85, ahead: true, refused: false },
  nest: { repeated: 0.95, ahead: true, refused: false },
};

/** The peers' ratios to their bare framework on a repeated token, as measured elsewhere (the issue). */
const PEER_REFERENCE: Partial<Record<Variant, number>> = {
  'express-jwt': 0.83,
  'passport-jwt': 0.71,
  'koa-jwt': 0.32,
  'nest-passport-jwt': 0.62,
};

/** mulberry32: every run shuffles the same way. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

async function main(): Promise<void> {
  const config = settings();
  const started = performance.now();
  const pinned = canPin();
  log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} CPUs`);
  log(
    pinned
      ? 'servers pinned to CPU 0 (taskset -c 0), load generator to CPU 1 (taskset -c 1)'
      : 'taskset unavailable: running unpinned',
  );

  const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-http-fixture-'));
  const children: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    await Promise.all(children.map((child) => child.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    void stopAll().finally(() => process.exit(130));
  });
  try {
    let t0 = performance.now();
    const fixture = await createHttpFixture({ poolSize: config.pool, cacheEntries: config.cacheEntries });
    const fixtureFile = join(dir, 'fixture.json');
    writeFileSync(fixtureFile, JSON.stringify(fixture));
    log(`fixture: EdDSA and HS256 keys, ${config.pool} pre-signed HS256 access tokens (${since(t0)})`);
    if (config.pool <= config.cacheEntries) log('warning: the pool does not outnumber the cache');

    t0 = performance.now();
    const servers = new Map<Variant, Server>();
    const startedServers = await Promise.all(
      config.variants.map((variant) =>
        startServer(variant, fixtureFile, { profile: config.profile === variant }),
      ),
    );
    for (const server of startedServers) {
      servers.set(server.variant, server);
      children.push({ stop: () => stopChild(server.child) });
    }
    const load = new LoadGenerator(fixtureFile);
    children.push(load);
    for (const server of servers.values()) await checkServer(server, fixture.tokens.hs256);
    log(`${servers.size} servers up and checked (${since(t0)})`);

    const plan: Plan[] = [];
    for (const scenario of SCENARIOS) {
      for (const variant of SCENARIO_VARIANTS[scenario]) {
        if (!servers.has(variant)) continue;
        plan.push({ scenario, variant, expected: scenario === 'refused' ? 401 : 200 });
      }
    }
    const measure = (step: Plan, seconds: number) =>
      runStep(load, servers.get(step.variant)!, step, { seconds, connections: config.connections });

    t0 = performance.now();
    for (const step of plan) await measure(step, config.warmupSeconds);
    log(`warm-up: ${plan.length} runs of ${config.warmupSeconds} s, every status as expected (${since(t0)})`);

    const measurements = new Map<string, Measurement>(
      plan.map((step) => {
        const id = measurementId(step.scenario, step.variant);
        return [id, { id, scenario: step.scenario, variant: step.variant, rounds: [], bare: [] }];
      }),
    );
    const record = (result: LoadResult): RoundResult => {
      const cpu = result.serverCpuSeconds;
      return {
        requests: result.requests,
        wall: result.requestsPerSecond,
        perCore: cpu === null || cpu <= 0 ? null : result.requests / cpu,
        cpuShare: cpu === null ? null : cpu / result.seconds,
        p50: result.p50,
        p99: result.p99,
      };
    };
    // Every run of a guarded variant is paired with a bare Express run right before or after it
    // (alternating), and compared with that one: a busier moment of the machine hits both.
    const subjects = plan.filter((step) => !isBare(step.variant));
    const random = prng(0x7011_6a7e);
    const bareStep = (step: Plan): Plan => ({
      scenario: bareScenario(step.scenario),
      variant: BARE[VARIANT_FRAMEWORK[step.variant]],
      expected: 200,
    });
    const run = async (step: Plan) => {
      await measure(step, config.settleSeconds);
      return record(await measure(step, config.seconds));
    };
    log(
      `${subjects.length} variant-scenarios x ${config.rounds} rounds, each run ${config.seconds} s next to a run ` +
        `of its framework's bare server of ${config.seconds} s (+${config.settleSeconds} s unrecorded before each), ` +
        `${config.connections} connections, shuffled each round`,
    );
    // A pair in which either server had its core less than `minCpuShare` of the time (other work
    // on the machine, or on the load generator's core) is measured again, at most `retries` times
    // and while the time budget lasts; the attempt with the best share is kept.
    let redone = 0;
    const budgetSeconds =
      config.budgetSeconds ??
      1.15 * config.rounds * subjects.length * 2 * (config.seconds + config.settleSeconds);
    const measuringEnds = performance.now() + budgetSeconds * 1000;
    const share = (result: RoundResult) => result.cpuShare ?? 1;
    for (let round = 1; round <= config.rounds; round++) {
      t0 = performance.now();
      for (const [i, step] of shuffled(subjects, random).entries()) {
        const bare = bareStep(step);
        const bareFirst = (round + i) % 2 === 0;
        let best: { bare: RoundResult; subject: RoundResult; share: number } | undefined;
        for (let attempt = 0; attempt <= config.retries; attempt++) {
          if (attempt > 0) {
            if (performance.now() > measuringEnds) break;
            redone++;
          }
          const first = await run(bareFirst ? bare : step);
          const second = await run(bareFirst ? step : bare);
          const [bareResult, subject] = bareFirst ? [first, second] : [second, first];
          const pairShare = Math.min(share(bareResult), share(subject));
          if (!best || pairShare > best.share) best = { bare: bareResult, subject, share: pairShare };
          if (pairShare >= config.minCpuShare) break;
        }
        const m = measurements.get(measurementId(step.scenario, step.variant))!;
        m.rounds.push(best!.subject);
        m.bare.push(best!.bare);
        measurements.get(measurementId(bare.scenario, bare.variant))?.rounds.push(best!.bare);
      }
      log(`round ${round}/${config.rounds} (${since(t0)}, ${redone} pairs measured again so far)`);
    }
    await stopAll();

    // Ratios per core when every run got the server's CPU time (Linux), else on wall-clock req/s.
    const basis: Basis = [...measurements.values()].every((m) => m.rounds.every((r) => r.perCore !== null))
      ? 'perCore'
      : 'wall';
    const rows = summarize(measurements, basis);
    const byId = new Map(rows.map((row) => [row.id, row]));
    const vsBare = (scenario: Scenario, variant: Variant) =>
      byId.get(measurementId(scenario, variant))?.vsBare ?? null;
    // A 401 "no slower" than a 200, within noise: the spread of its own per-round ratios, at least 0.02.
    const refusedTarget = (variant: Variant, label: string) => {
      const ratio = byId.get(measurementId('refused', variant))?.refusedVsValid ?? null;
      return target(`${label}: 401 req/s vs 200 req/s`, ratio, 1, Math.max(0.02, ratio?.spread ?? 0));
    };
    const has = (variant: Variant) => servers.has(variant);
    const versus = (scenario: Scenario, subject: Variant, reference: Variant) =>
      relative(
        measurements.get(measurementId(scenario, subject)),
        measurements.get(measurementId(scenario, reference)),
        basis,
      );
    const targets: Target[] = [];
    for (const framework of config.frameworks) {
      const { eddsa, hs256, uat, peers } = FRAMEWORK_VARIANTS[framework];
      const goal = FRAMEWORK_TARGETS[framework];
      const bareName = `bare ${FRAMEWORK_LABEL[framework].split(' ')[0]}`;
      // The Express targets keep their first names; the others name their framework.
      const prefix = framework === 'express' ? '' : `${FRAMEWORK_LABEL[framework].split(' ')[0]} `;
      if (has(eddsa))
        targets.push(
          target(`${prefix}repeated JWT (EdDSA) vs ${bareName}`, vsBare('repeated', eddsa), goal.repeated),
        );
      if (has(hs256))
        targets.push(
          target(`${prefix}repeated JWT (HS256) vs ${bareName}`, vsBare('repeated', hs256), goal.repeated),
        );
      if (has(uat))
        targets.push(
          target(`${prefix}repeated UAT (SQLite) vs ${bareName}`, vsBare('repeated', uat), goal.repeated),
        );
      if (has(hs256) && goal.firstSeen !== undefined)
        targets.push(
          target(`${prefix}first-seen HS256 vs ${bareName}`, vsBare('first-seen', hs256), goal.firstSeen),
        );
      for (const peer of goal.ahead ? peers : []) {
        if (!has(hs256) || !has(peer)) continue;
        const name = VARIANT_LABEL[peer].replace(/ \(HS256\)$/, '');
        targets.push(target(`${prefix}repeated HS256 vs ${name}`, versus('repeated', hs256, peer), 1));
        targets.push(target(`${prefix}first-seen HS256 vs ${name}`, versus('first-seen', hs256, peer), 1));
      }
      if (!goal.refused) continue;
      if (has(eddsa)) targets.push(refusedTarget(eddsa, `${prefix}EdDSA JWT`));
      if (has(hs256)) targets.push(refusedTarget(hs256, `${prefix}HS256 JWT`));
      if (has(uat)) targets.push(refusedTarget(uat, `${prefix}UAT`));
    }

    const peerLines = config.frameworks.flatMap((framework) =>
      FRAMEWORK_VARIANTS[framework].peers.filter(has).map((variant) => {
        const fmt = (scenario: Scenario) => {
          const value = vsBare(scenario, variant);
          return value ? `${value.median.toFixed(2)}x` : '-';
        };
        return `  ${variant.padEnd(18)} repeated ${fmt('repeated')}  first-seen ${fmt('first-seen')}  401 ${fmt(
          'refused',
        )}   (reference measured elsewhere: ${PEER_REFERENCE[variant]?.toFixed(2) ?? '-'}x repeated)`;
      }),
    );
    // How far each Tollgate variant is from the least any guard can do in its framework.
    const floorLines = config.frameworks.flatMap((framework) => {
      const { eddsa, hs256, uat, floor } = FRAMEWORK_VARIANTS[framework];
      if (!has(floor)) return [];
      const fmt = (value: { median: number } | null) => (value ? `${value.median.toFixed(2)}x` : '-');
      const vsFloor = [eddsa, hs256, uat]
        .filter(has)
        .map((variant) => `${variant} ${fmt(versus('repeated', variant, floor))}`)
        .join('  ');
      return [`  ${floor.padEnd(18)} repeated ${fmt(vsBare('repeated', floor))} of bare;  vs it: ${vsFloor}`];
    });
    const seconds = (performance.now() - started) / 1000;
    const lines = [
      `Tollgate HTTP benchmark: node ${process.version}, ${
        pinned ? 'servers on CPU 0, autocannon on CPU 1' : 'unpinned'
      }, ${config.rounds} rounds x ${config.seconds} s per run, ${config.connections} connections`,
      'req/s/core: requests per second of server CPU time (what one core it had to itself would serve);',
      'req/s wall: requests per wall-clock second; CPU: server CPU time / wall time; p50, p99: latency in ms.',
      'All medians over runs. Ratios ("vs bare"): each run / the run of its framework\'s bare server right next',
      'to it, median over rounds; 401/200: (401 run / its bare run) / (200 run / its bare run) per round,',
      'median; "vs" a peer: (Tollgate run / its bare run) / (peer run / its bare run) per round, median;',
      basis === 'perCore'
        ? 'the targets use the per-core ratios (robust to other load on the machine).'
        : 'server CPU time unavailable here: the targets use the wall-clock ratios.',
      formatTable(rows),
      ...(peerLines.length > 0 ? ['', 'Peers vs their bare framework (not targets)', ...peerLines] : []),
      ...(floorLines.length > 0
        ? ['', 'The floor of each framework, and Tollgate (repeated) against it (not targets)', ...floorLines]
        : []),
      '',
      'Targets (Tollgate)',
      formatTargets(targets),
      `${redone} pairs of runs measured again (a server below ${config.minCpuShare} of its core). Total ${seconds.toFixed(0)} s.`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);

    const resultsDir = join(BENCH_DIR, 'results');
    mkdirSync(resultsDir, { recursive: true });
    // A smoke run never replaces the figures of a full one.
    const file = join(resultsDir, config.quick ? 'http-quick.json' : 'http-latest.json');
    const json = {
      date: new Date().toISOString(),
      node: process.version,
      cpu: cpus()[0]?.model ?? null,
      pinned,
      basis,
      settings: { ...config, budgetSeconds },
      seconds,
      redonePairs: redone,
      results: rows,
      targets,
      rounds: [...measurements.values()],
    };
    writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
    log(`results written to ${file}`);
  } catch (error) {
    await stopAll();
    throw error;
  }
}

const since = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

await main();
