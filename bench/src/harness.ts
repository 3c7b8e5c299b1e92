import { measure } from 'mitata';

/** One benchmarked function and where it goes in the table. */
export interface BenchCase {
  /** Stable id, used in the JSON results and to compute ratios. */
  readonly id: string;
  /** Table section, e.g. `EdDSA, first sight`. */
  readonly group: string;
  readonly name: string;
  /** What is measured: one call per invocation; may return a promise (then awaited per call). */
  readonly run: () => unknown;
  /** Columns of the table: `reference time / this case's time`, per round, median over rounds. */
  readonly compareTo?: readonly Comparison[];
  /**
   * Awaited before each measurement, untimed: e.g. brings a Tollgate's revocation state up to date,
   * so that the first call of the measurement (which decides whether mitata awaits every call) is
   * answered synchronously however long the case sat idle while the others ran.
   */
  readonly prepare?: () => Promise<void>;
  /**
   * The id of the case this one is compared with most closely (e.g. the same row without a load):
   * the two are measured one right after the other, in alternating order from round to round, so
   * their ratio sees the same machine rather than one several seconds apart in a busy round.
   */
  readonly pairedWith?: string;
}

export interface Comparison {
  /** Column heading, e.g. `vs floor`. */
  readonly label: string;
  readonly id: string;
}

export interface HarnessOptions {
  readonly rounds: number;
  /** Measured CPU time per case per round, in ms. */
  readonly timeMs: number;
  readonly onRound?: (round: number, rounds: number) => void;
}

/** Per case, the mean ns/op of each round, in round order. */
export type RoundTimes = Map<string, number[]>;

const gcHook: (() => void) | false = typeof globalThis.gc === 'function' ? globalThis.gc : false;

/** A small deterministic PRNG (mulberry32), so every run shuffles the same way. */
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

/**
 * Runs every case once per round, in a new shuffled order each round, so that drift of the
 * machine (another process, thermal state, GC heap growth) spreads over all cases alike
 * instead of landing on whichever ran last. Each measurement is mitata's `measure`.
 */
export async function runRounds(cases: readonly BenchCase[], options: HarnessOptions): Promise<RoundTimes> {
  const times: RoundTimes = new Map(cases.map((c) => [c.id, []]));
  const units = measuredTogether(cases);
  const random = prng(0x7011_6a7e);
  for (let round = 0; round < options.rounds; round++) {
    options.onRound?.(round + 1, options.rounds);
    const order = shuffled(units, random).flatMap((unit) => (round % 2 === 0 ? unit : [...unit].reverse()));
    for (const benchCase of order) {
      await benchCase.prepare?.();
      const stats = await measure(benchCase.run, {
        gc: gcHook,
        min_cpu_time: options.timeMs * 1e6,
        min_samples: 8,
        batch_samples: 128,
        batch_unroll: 4,
        warmup_samples: 4,
      });
      times.get(benchCase.id)!.push(stats.avg);
    }
  }
  return times;
}

/** The cases in measuring units: each paired case with its partner, every other case alone. */
function measuredTogether(cases: readonly BenchCase[]): BenchCase[][] {
  const byId = new Map(cases.map((c) => [c.id, c]));
  const partnered = new Set<string>();
  const units: BenchCase[][] = [];
  for (const benchCase of cases) {
    const partner = benchCase.pairedWith === undefined ? undefined : byId.get(benchCase.pairedWith);
    if (partner !== undefined && !partnered.has(partner.id) && partner.pairedWith === undefined) {
      partnered.add(partner.id);
      partnered.add(benchCase.id);
    }
  }
  for (const benchCase of cases) {
    if (!partnered.has(benchCase.id)) units.push([benchCase]);
    else if (benchCase.pairedWith !== undefined) units.push([byId.get(benchCase.pairedWith)!, benchCase]);
  }
  return units;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Median over rounds of `reference / subject`, each ratio taken within one round, so that a
 * slow round (machine busy) slows both sides and cancels out.
 */
export function medianRatio(times: RoundTimes, referenceId: string, subjectId: string): number {
  const reference = times.get(referenceId);
  const subject = times.get(subjectId);
  if (!reference || !subject) return Number.NaN;
  const ratios = reference.map((ref, i) => ref / subject[i]!).filter(Number.isFinite);
  return median(ratios);
}
