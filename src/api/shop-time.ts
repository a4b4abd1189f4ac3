import { localTime, offsetOf, wallClock } from '../time/local-time.js';

/**
 * Times in the Admin API are the mall's local time with its UTC offset, as Cafe24 shows them:
 * "2026-03-01T12:00:00+09:00" (ISO 8601). Order date filters are the mall's calendar days.
 */
export function isoLocal(epochMs: number, timeZone: string): string {
  const offset = offsetOf(epochMs, timeZone);
  const local = wallClock(epochMs + offset);
  // Years of four digits (the offset whole seconds, from local-time.ts); others the long way.
  if (local.length !== 19) return isoLocalByParse(epochMs, timeZone);
  return local + zoneSuffix(Math.round(offset / 60_000));
}

const suffixes = new Map<number, string>();

/** "+09:00" of an offset in minutes, made once per offset. */
function zoneSuffix(offsetMin: number): string {
  let suffix = suffixes.get(offsetMin);
  if (suffix === undefined) {
    const abs = Math.abs(offsetMin);
    suffix = `${offsetMin < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
    if (suffixes.size < 1000) suffixes.set(offsetMin, suffix);
  }
  return suffix;
}

/** The same, by reading the local time back: years outside 1000-9999 keep the shape they always had. */
function isoLocalByParse(epochMs: number, timeZone: string): string {
  const local = localTime(epochMs, timeZone).slice(0, 19);
  const offsetMin = Math.round((Date.parse(`${local}Z`) - Math.floor(epochMs / 1000) * 1000) / 60_000);
  return local + zoneSuffix(offsetMin);
}

/** The mall-local calendar date of an instant: YYYYMMDD (the first part of an order_id). */
export const compactLocalDate = (epochMs: number, timeZone: string): string => localTime(epochMs, timeZone).slice(0, 10).replaceAll('-', '');

/**
 * The instant a mall-local date-time "YYYY-MM-DDTHH:MM:SS" happens. As Temporal's "compatible":
 * a time that happens twice (clocks set back) is the earlier instant; one that never happens
 * (clocks set forward) moves forward by the gap, so a day that starts at 01:00 starts there.
 */
export function localToEpoch(local: string, timeZone: string): number {
  const asUtc = Date.parse(`${local}Z`);
  const offsetAt = (epochMs: number) => Date.parse(`${localTime(epochMs, timeZone).slice(0, 19)}Z`) - epochMs;
  // The offsets in force a day before and a day after: at most one change lies between them.
  const before = asUtc - offsetAt(asUtc - 86_400_000);
  const after = asUtc - offsetAt(asUtc + 86_400_000);
  const valid = [before, after].filter((t) => localTime(t, timeZone).slice(0, 19) === local);
  return valid.length > 0 ? Math.min(...valid) : before;
}

/** Is "YYYY-MM-DD" a real calendar date? */
export function isCalendarDate(date: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return false;
  const d = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === date;
}

/** Money: integer hundredths <-> the API's decimal string with two places. */
export const money = (hundredths: number): string => {
  const sign = hundredths < 0 ? '-' : '';
  const abs = Math.abs(hundredths);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
};

/** "15000", "15000.5", "15000.50" or 15000 -> 1500000. The schema has checked the shape. */
export function parseMoney(value: string | number): number {
  const [whole = '0', frac = ''] = String(value).split('.');
  return Number(whole) * 100 + Number(frac.padEnd(2, '0').slice(0, 2));
}
