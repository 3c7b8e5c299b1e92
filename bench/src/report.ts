import { type BenchCase, median, medianRatio, type RoundTimes } from './harness.js';

export interface ResultRow {
  readonly id: string;
  readonly group: string;
  readonly name: string;
  /** Median over rounds of the mean ns per call. */
  readonly nsPerOp: number;
  readonly opsPerSec: number;
  /** Column label to median ratio (reference time / this row's time). */
  readonly ratios: Readonly<Record<string, number>>;
  readonly roundsNsPerOp: readonly number[];
}

export interface Target {
  readonly name: string;
  readonly value: number;
  readonly threshold: number;
  /** `>=` passes at the threshold; `>` needs strictly more. */
  readonly comparison: '>=' | '>';
  readonly pass: boolean;
}

export function summarize(cases: readonly BenchCase[], times: RoundTimes): ResultRow[] {
  return cases.map((c) => {
    const rounds = times.get(c.id) ?? [];
    const nsPerOp = median(rounds);
    const ratios: Record<string, number> = {};
    for (const comparison of c.compareTo ?? [])
      ratios[comparison.label] = medianRatio(times, comparison.id, c.id);
    return {
      id: c.id,
      group: c.group,
      name: c.name,
      nsPerOp,
      opsPerSec: 1e9 / nsPerOp,
      ratios,
      roundsNsPerOp: rounds,
    };
  });
}

export function target(name: string, value: number, comparison: '>=' | '>', threshold: number): Target {
  const pass = comparison === '>=' ? value >= threshold : value > threshold;
  return { name, value, threshold, comparison, pass };
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function pad(text: string, width: number, right: boolean): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

/** The table: one section per group, columns name, ns/op, ops/s, then each ratio of the group. */
export function formatTable(rows: readonly ResultRow[]): string {
  const lines: string[] = [];
  const nameWidth = Math.max(...rows.map((r) => r.name.length)) + 2;
  const groups = [...new Set(rows.map((r) => r.group))];
  for (const group of groups) {
    const members = rows.filter((r) => r.group === group);
    const labels = [...new Set(members.flatMap((r) => Object.keys(r.ratios)))];
    const widths = labels.map((label) => Math.max(label.length, 7) + 2);
    lines.push('', group);
    lines.push(
      `  ${pad('name', nameWidth, false)}${pad('ns/op', 11, true)}${pad('ops/s', 12, true)}${labels
        .map((label, i) => pad(label, widths[i]!, true))
        .join('')}`,
    );
    for (const row of members) {
      const ratios = labels.map((label, i) => {
        const value = row.ratios[label];
        return pad(
          value === undefined || Number.isNaN(value) ? '-' : `${value.toFixed(2)}x`,
          widths[i]!,
          true,
        );
      });
      lines.push(
        `  ${pad(row.name, nameWidth, false)}${pad(integer.format(row.nsPerOp), 11, true)}${pad(
          integer.format(row.opsPerSec),
          12,
          true,
        )}${ratios.join('')}`,
      );
    }
  }
  return lines.join('\n');
}

export function formatTargets(targets: readonly Target[]): string {
  const width = Math.max(...targets.map((t) => t.name.length)) + 2;
  return targets
    .map(
      (t) =>
        `  ${t.pass ? 'PASS' : 'FAIL'}  ${pad(t.name, width, false)}${t.value.toFixed(2)}x (needs ${t.comparison} ${t.threshold.toFixed(2)}x)`,
    )
    .join('\n');
}
