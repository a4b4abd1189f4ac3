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
// instants, so this replaces three Intl.formatToParts calls per response with map lookups.
const HOUR = 3_600_000;
const offsets = new Map<string, number | null>();

function offset(epochMs: number, timeZone: string): number {
  const hour = Math.floor(epochMs / HOUR);
  const key = `${timeZone} ${hour}`;
  let cached = offsets.get(key);
  if (cached === undefined) {
    const start = offsetAt(hour * HOUR, timeZone);
    cached = start === offsetAt(hour * HOUR + HOUR - 1, timeZone) ? start : null;
    if (offsets.size >= 10_000) offsets.clear();
    offsets.set(key, cached);
  }
  return cached ?? offsetAt(epochMs, timeZone);
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

export function localTime(epochMs: number, timeZone: string): string {
  const d = new Date(epochMs + offset(epochMs, timeZone));
  const ms = String(((epochMs % 1000) + 1000) % 1000).padStart(3, '0');
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.${ms}`;
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
