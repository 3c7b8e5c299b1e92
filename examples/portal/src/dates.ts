// Dates as the portal shows and sends them. A date picker gives `YYYY-MM-DD`; the server wants an
// ISO instant with an offset, and a UAT "valid until" a day is valid through the END of that day
// in UTC (as the CLI's `--expires YYYY-MM-DD`).

const DAY_MS = 86_400_000;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar day written `YYYY-MM-DD` (not 2026-02-30). */
export function isDay(value: string): boolean {
  const match = DAY.exec(value);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === value;
}

/** `2026-06-30` → `2026-06-30T23:59:59Z`: the last second of that day in UTC. */
export function endOfDayUtc(day: string): string {
  if (!isDay(day)) throw new RangeError(`not a date (YYYY-MM-DD): ${day}`);
  return `${day}T23:59:59Z`;
}

/** The UTC day of an instant, `YYYY-MM-DD`. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  return utcDay(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS);
}

export interface ExpiryBounds {
  /** The first day the picker offers (today, UTC). */
  readonly min: string;
  /** The last day whose end is within `maxDays` of now (the server refuses anything later). */
  readonly max: string;
  /** The picker's starting value: 30 days ahead, within the bounds. */
  readonly suggested: string;
}

export function expiryBounds(now: number, maxDays = 365): ExpiryBounds {
  const limit = now + maxDays * DAY_MS;
  let max = utcDay(limit);
  while (Date.parse(endOfDayUtc(max)) > limit) max = addDays(max, -1);
  const min = utcDay(now);
  let suggested = addDays(min, 30);
  if (suggested > max) suggested = max;
  return { min, max, suggested };
}

/** `2026-06-30T23:59:59.000Z` → `2026-06-30 23:59 UTC`; the same text on every machine. */
export function formatInstant(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const text = new Date(ms).toISOString();
  return `${text.slice(0, 10)} ${text.slice(11, 16)} UTC`;
}

/** `2026-06-30T23:59:59.000Z` → `2026-06-30 23:59:59 UTC`: to tell apart what started in one minute. */
export function formatInstantSeconds(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const text = new Date(ms).toISOString();
  return `${text.slice(0, 10)} ${text.slice(11, 19)} UTC`;
}
