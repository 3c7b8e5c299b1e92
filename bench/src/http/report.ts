import { median } from '../harness.js';
import {
  FRAMEWORK_LABEL,
  FRAMEWORKS,
  type Framework,
  isBare,
  SCENARIO_TITLE,
  SCENARIO_VARIANTS,
  SCENARIOS,
  type Scenario,
  VARIANT_FRAMEWORK,
  VARIANT_LABEL,
  type Variant,
} from './common.js';

/** One run of one variant under one scenario. */
export interface RoundResult {
  readonly requests: number;
  /** Requests per wall-clock second. */
  readonly wall: number;
  /** Requests per second of the server's CPU time (all its threads), or null where unknown. */
  readonly perCore: number | null;
  /** Server CPU time / wall time: 1 when the server had its core to itself the whole run. */
  readonly cpuShare: number | null;
  /** Latency percentiles, ms. */
  readonly p50: number;
  readonly p99: number;
}

export interface Measurement {
  readonly id: string;
  readonly scenario: Scenario;
  readonly variant: Variant;
  /** Every recorded run, in order (a bare server: all its runs, as the partner of the others). */
  readonly rounds: RoundResult[];
  /**
   * For each run of `rounds`, the run of its framework's bare server made right next to it (empty
   * for the bare servers).
   */
  readonly bare: RoundResult[];
}

export const measurementId = (scenario: Scenario, variant: Variant): string => `${scenario}:${variant}`;

/** The bare server's scenario a scenario is compared with: a bare server refuses nothing. */
export const bareScenario = (scenario: Scenario): Scenario =>
  scenario === 'refused' ? 'repeated' : scenario;

/** The throughput ratios are taken on: per core when the server's CPU time is known, else wall-clock. */
export type Basis = 'perCore' | 'wall';

const throughput = (round: RoundResult | undefined, basis: Basis): number =>
  round === undefined ? Number.NaN : basis === 'perCore' ? (round.perCore ?? Number.NaN) : round.wall;

/** A ratio taken within each round (pair of adjacent runs), median over rounds. */
export interface RatioSummary {
  readonly median: number;
  readonly perRound: readonly number[];
  /** Median absolute deviation of the per-round ratios, scaled to a standard deviation (x1.4826). */
  readonly spread: number;
}

function summary(perRound: readonly number[]): RatioSummary | null {
  const finite = perRound.filter(Number.isFinite);
  if (finite.length === 0) return null;
  const mid = median(finite);
  return { median: mid, perRound: finite, spread: 1.4826 * median(finite.map((v) => Math.abs(v - mid))) };
}

/** Each run against the run of its framework's bare server next to it. */
export function vsBare(m: Measurement | undefined, basis: Basis): RatioSummary | null {
  if (!m || m.bare.length === 0) return null;
  return summary(m.rounds.map((round, i) => throughput(round, basis) / throughput(m.bare[i], basis)));
}

/**
 * One measurement against another of the same framework: each round's run of each, first divided
 * by the bare run next to it (so a busier moment of the machine cancels out), then divided. The
 * 401 of a variant against its 200, or Tollgate against a peer.
 */
export function relative(
  subject: Measurement | undefined,
  reference: Measurement | undefined,
  basis: Basis,
): RatioSummary | null {
  if (!subject || !reference) return null;
  const a = vsBare(subject, basis)?.perRound;
  const b = vsBare(reference, basis)?.perRound;
  if (!a || !b) return null;
  return summary(a.map((value, i) => value / (b[i] ?? Number.NaN)));
}

export interface Row {
  readonly id: string;
  readonly scenario: Scenario;
  readonly variant: Variant;
  readonly framework: Framework;
  readonly name: string;
  /** Medians over runs. */
  readonly perCore: number;
  readonly wall: number;
  readonly cpuShare: number;
  readonly p50: number;
  readonly p99: number;
  /** vs its framework's bare run next to each run (for 401 rows: the bare server's 200). */
  readonly vsBare: RatioSummary | null;
  /** The same on wall-clock req/s, for reference. */
  readonly vsBareWall: RatioSummary | null;
  /** 401 rows: this variant's 401 throughput / its own 200 throughput on the repeated token. */
  readonly refusedVsValid: RatioSummary | null;
}

const medianOf = (rounds: readonly RoundResult[], pick: (round: RoundResult) => number | null) =>
  median(rounds.map(pick).filter((value): value is number => value !== null));

export function summarize(measurements: ReadonlyMap<string, Measurement>, basis: Basis): Row[] {
  const rows: Row[] = [];
  for (const framework of FRAMEWORKS) {
    for (const scenario of SCENARIOS) {
      for (const variant of SCENARIO_VARIANTS[scenario]) {
        if (VARIANT_FRAMEWORK[variant] !== framework) continue;
        const m = measurements.get(measurementId(scenario, variant));
        if (!m) continue;
        rows.push({
          id: m.id,
          scenario,
          variant,
          framework,
          name: VARIANT_LABEL[variant],
          perCore: medianOf(m.rounds, (round) => round.perCore),
          wall: medianOf(m.rounds, (round) => round.wall),
          cpuShare: medianOf(m.rounds, (round) => round.cpuShare),
          p50: medianOf(m.rounds, (round) => round.p50),
          p99: medianOf(m.rounds, (round) => round.p99),
          vsBare: vsBare(m, basis),
          vsBareWall: vsBare(m, 'wall'),
          refusedVsValid:
            scenario === 'refused'
              ? relative(m, measurements.get(measurementId('repeated', variant)), basis)
              : null,
        });
      }
    }
  }
  return rows;
}

export interface Target {
  readonly name: string;
  readonly value: number;
  readonly threshold: number;
  /** How far below the threshold still passes as "within noise"; 0 for the strict targets. */
  readonly tolerance: number;
  readonly pass: boolean;
  readonly withinNoise: boolean;
}

export function target(name: string, ratio: RatioSummary | null, threshold: number, tolerance = 0): Target {
  const value = ratio?.median ?? Number.NaN;
  const strict = value >= threshold;
  const withinNoise = !strict && value >= threshold - tolerance;
  return { name, value, threshold, tolerance, pass: strict || withinNoise, withinNoise };
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const times = (ratio: RatioSummary | null) => (ratio ? `${ratio.median.toFixed(2)}x` : '-');
const count = (value: number) => (Number.isNaN(value) ? '-' : integer.format(value));

export function formatTable(rows: readonly Row[]): string {
  const lines: string[] = [];
  const nameWidth = Math.max(...rows.map((row) => row.name.length)) + 2;
  for (const framework of FRAMEWORKS) {
    if (!rows.some((row) => row.framework === framework)) continue;
    lines.push('', `${FRAMEWORK_LABEL[framework]} (ratios against bare ${FRAMEWORK_LABEL[framework]})`);
    for (const scenario of SCENARIOS) {
      const members = rows.filter((row) => row.framework === framework && row.scenario === scenario);
      if (members.length === 0) continue;
      const refused = scenario === 'refused';
      const columns = (cells: readonly string[]) =>
        cells.map((cell, i) => cell.padStart([12, 9, 9, 12, 9, 6, 7, 7][i]!)).join('');
      lines.push('', SCENARIO_TITLE[scenario]);
      lines.push(
        `  ${'variant'.padEnd(nameWidth)}${columns([
          'req/s/core',
          'vs bare',
          '401/200',
          'req/s wall',
          'vs bare',
          'CPU',
          'p50',
          'p99',
        ])}`,
      );
      for (const row of members) {
        lines.push(
          `  ${row.name.padEnd(nameWidth)}${columns([
            count(row.perCore),
            isBare(row.variant) ? '1.00x' : times(row.vsBare),
            refused ? times(row.refusedVsValid) : '',
            count(row.wall),
            isBare(row.variant) ? '1.00x' : times(row.vsBareWall),
            Number.isNaN(row.cpuShare) ? '-' : `${(row.cpuShare * 100).toFixed(0)}%`,
            row.p50.toFixed(1),
            row.p99.toFixed(1),
          ])}`,
        );
      }
    }
  }
  return lines.join('\n');
}

export function formatTargets(targets: readonly Target[]): string {
  const width = Math.max(...targets.map((t) => t.name.length)) + 2;
  return targets
    .map((t) => {
      const note = t.withinNoise ? `; within noise, tolerance ${t.tolerance.toFixed(2)}` : '';
      const value = Number.isNaN(t.value) ? '-' : `${t.value.toFixed(2)}x`;
      return `  ${t.pass ? 'PASS' : 'FAIL'}  ${t.name.padEnd(width)}${value} (needs >= ${t.threshold.toFixed(2)}x${note})`;
    })
    .join('\n');
}
