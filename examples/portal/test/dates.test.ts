import { describe, expect, it } from 'vitest';
import {
  addDays,
  endOfDayUtc,
  expiryBounds,
  formatInstant,
  formatInstantSeconds,
  isDay,
  utcDay,
} from '../src/dates.js';

describe('dates', () => {
  it('sends a picked day as the end of that day in UTC', () => {
    expect(endOfDayUtc('2026-06-30')).toBe('2026-06-30T23:59:59Z');
    expect(endOfDayUtc('2028-02-29')).toBe('2028-02-29T23:59:59Z');
    expect(() => endOfDayUtc('2026-02-30')).toThrow(RangeError);
    expect(() => endOfDayUtc('30/06/2026')).toThrow(RangeError);
    expect(() => endOfDayUtc('')).toThrow(RangeError);
  });

  it('knows real calendar days', () => {
    expect(isDay('2026-12-31')).toBe(true);
    expect(isDay('2027-02-29')).toBe(false);
    expect(isDay('2026-13-01')).toBe(false);
    expect(isDay('2026-1-01')).toBe(false);
  });

  it('offers days from today to the last day whose end is within 365 days', () => {
    const now = Date.parse('2026-03-10T08:00:00Z');
    const bounds = expiryBounds(now);
    expect(bounds.min).toBe('2026-03-10');
    // 365 days ahead is 2027-03-10T08:00Z: the end of 2027-03-10 is later, so 03-09 is the last.
    expect(bounds.max).toBe('2027-03-09');
    expect(Date.parse(endOfDayUtc(bounds.max))).toBeLessThanOrEqual(now + 365 * 86_400_000);
    expect(bounds.suggested).toBe('2026-04-09');
  });

  it('uses the UTC day, whatever the hour', () => {
    expect(utcDay(Date.parse('2026-03-10T23:59:59.999Z'))).toBe('2026-03-10');
    expect(utcDay(Date.parse('2026-03-11T00:00:00Z'))).toBe('2026-03-11');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    // The last second of a day: its own end is still not in the past.
    const late = Date.parse('2026-03-10T23:59:59Z');
    expect(expiryBounds(late).min).toBe('2026-03-10');
    expect(expiryBounds(late, 1).max).toBe('2026-03-11');
  });

  it('shows instants the same way on every machine', () => {
    expect(formatInstant('2026-06-30T23:59:59.000Z')).toBe('2026-06-30 23:59 UTC');
    expect(formatInstant('2026-06-30T10:00:00+02:00')).toBe('2026-06-30 08:00 UTC');
    expect(formatInstant('not a date')).toBe('not a date');
    expect(formatInstantSeconds('2026-06-30T10:00:07.250+02:00')).toBe('2026-06-30 08:00:07 UTC');
    expect(formatInstantSeconds('not a date')).toBe('not a date');
  });
});
