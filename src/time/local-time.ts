/**
 * Cafe24 timestamps: the mall's local time with milliseconds and no offset,
 * e.g. "2021-03-01T14:00:00.000" (wire.md, Token request; Asia/Seoul by default).
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The zone's offset from UTC at `epochMs` (whole seconds), by Intl: the slow, exact way. */
function offsetAt(epochMs: number, timeZone: string): number {
  const p: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(epochMs)) p[part.type] = part.value;
  const wall = new Date(0);
  wall.setUTCFullYear(Number(p.year), Number(p.month) - 1, Number(p.day)); // not Date.UTC: years 0-99 stay themselves
  wall.setUTCHours(Number(p.hour), Number(p.minute), Number(p.second), 0);
  return wall.getTime() - (epochMs - (((epochMs % 1000) + 1000) % 1000));
}

// Offsets change at most a few times a year: kept per zone and UTC hour, when the offset is the
// same at both ends of the hour (no transition inside it). Every token response formats three
// instants and every product two, so this replaces Intl.formatToParts calls with map lookups
// (a map per zone keyed by the hour number: no key string built per call).
const HOUR = 3_600_000;
const offsets = new Map<string, Map<number, number | null>>();

/** The zone's offset from UTC at `epochMs`, in milliseconds (whole seconds). */
export function offsetOf(epochMs: number, timeZone: string): number {
  const hour = Math.floor(epochMs / HOUR);
  let byHour = offsets.get(timeZone);
  if (!byHour) offsets.set(timeZone, (byHour = new Map()));
  let cached = byHour.get(hour);
  if (cached === undefined) {
    const start = offsetAt(hour * HOUR, timeZone);
    cached = start === offsetAt(hour * HOUR + HOUR - 1, timeZone) ? start : null;
    if (byHour.size >= 10_000) byHour.clear();
    byHour.set(hour, cached);
  }
  return cached ?? offsetAt(epochMs, timeZone);
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/** "YYYY-MM-DDTHH:MM:SS" of a wall-clock instant (an epoch already shifted by the offset). */
export function wallClock(shiftedMs: number): string {
  const d = new Date(shiftedMs);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
}

export function localTime(epochMs: number, timeZone: string): string {
  const ms = String(((epochMs % 1000) + 1000) % 1000).padStart(3, '0');
  return `${wallClock(epochMs + offsetOf(epochMs, timeZone))}.${ms}`;
}

/** Is this an IANA time zone the runtime knows? */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}
