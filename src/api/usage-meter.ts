import type { BucketLimit, LeakyBucket } from '../shared-state/leaky-bucket.js';

/**
 * Cafe24's second usage layer (wire.md, Usage headers): besides the leaky bucket of
 * `X-Api-Call-Limit`, each (mall, app) has a quota of calls and of processing time per window.
 * `X-Cafe24-Call-Usage` / `X-Cafe24-Time-Usage` say how much of each is used, in percent; once one
 * reaches 100 %, `X-Cafe24-Call-Remain` / `X-Cafe24-Time-Remain` say how many seconds until it
 * falls below 100 % again, and calls are refused (429) until then. A refused call still counts
 * (one call, and its processing time), so calling while blocked lengthens the wait.
 *
 * Each meter is a leaky bucket of twice the quota, drained at quota / window per second: usage is
 * the level over the quota, and the second half is room for the calls that lengthen a block.
 */
export interface UsageLimit {
  /** Calls per window. */
  calls: number;
  /** Processing time per window, in milliseconds. */
  timeMs: number;
  /** The window, in seconds: a full meter drains empty in one window. */
  windowSeconds: number;
}

/** The default: 600 calls and 60 s of processing per 300 s (an average of 2 calls per second, 20 % busy). */
export const DEFAULT_USAGE_LIMIT: UsageLimit = { calls: 600, timeMs: 60_000, windowSeconds: 300 };

/** Parses "600/60/300" (calls/processing seconds/window seconds) or "off" (no usage layer). */
export function parseUsageLimit(text: string): UsageLimit | null {
  if (text === 'off') return null;
  const m = /^(\d{1,7})\/(\d{1,6}(?:\.\d{1,3})?)\/(\d{1,6})$/.exec(text);
  const calls = Number(m?.[1]);
  const seconds = Number(m?.[2]);
  const windowSeconds = Number(m?.[3]);
  if (!m || calls < 1 || seconds <= 0 || windowSeconds < 1) {
    throw new Error(`usage limit must look like 600/60/300 (calls/processing seconds/window seconds) or off, not "${text}"`);
  }
  return { calls, timeMs: Math.round(seconds * 1000), windowSeconds };
}

export const formatUsageLimit = (l: UsageLimit): string => `${l.calls}/${l.timeMs / 1000}/${l.windowSeconds}`;

export interface UsageReading {
  /** Percent of the call quota in use, 0 to 100. */
  callUsage: number;
  timeUsage: number;
  /** Seconds until the call usage is below 100 %; null below 100 %. */
  callRemain: number | null;
  timeRemain: number | null;
  /** Was this call refused (usage already at 100 % before it)? */
  blocked: boolean;
}

const percent = (used: number, quota: number) => Math.min(100, Number(((used / quota) * 100).toFixed(2)));
/** Seconds until a call fits again: until the level, rounded up, is below the quota. */
const remain = (used: number, quota: number, perSecond: number) => (used >= quota ? Math.max(1, Math.ceil((used - quota + 1) / perSecond - 1e-9)) : null);

export class UsageMeter {
  constructor(private readonly bucket: LeakyBucket) {}

  private static limits(l: UsageLimit): { calls: BucketLimit; time: BucketLimit } {
    return {
      calls: { size: 2 * l.calls, perSecond: l.calls / l.windowSeconds },
      time: { size: 2 * l.timeMs, perSecond: l.timeMs / l.windowSeconds },
    };
  }

  /** Counts one call (before it runs) and reads both meters. */
  async call(key: string, limit: UsageLimit, nowMs: number): Promise<UsageReading> {
    const b = UsageMeter.limits(limit);
    const calls = await this.bucket.take(`usage-calls:${key}`, b.calls, nowMs, 1);
    const time = await this.bucket.take(`usage-time:${key}`, b.time, nowMs, 0);
    // A full second half refuses the pour: the meter stays at its top, still blocked.
    const callsUsed = calls.allowed ? calls.used : b.calls.size;
    const before = calls.allowed ? callsUsed - 1 : callsUsed;
    return {
      callUsage: percent(callsUsed, limit.calls),
      timeUsage: percent(time.used, limit.timeMs),
      callRemain: remain(callsUsed, limit.calls, b.calls.perSecond),
      timeRemain: remain(time.used, limit.timeMs, b.time.perSecond),
      blocked: before >= limit.calls || time.used >= limit.timeMs,
    };
  }

  /** Adds a finished call's processing time (whole milliseconds, at least 1). */
  async charge(key: string, limit: UsageLimit, nowMs: number, elapsedMs: number): Promise<void> {
    const b = UsageMeter.limits(limit);
    const cost = Math.min(b.time.size, Math.max(1, Math.ceil(elapsedMs)));
    const r = await this.bucket.take(`usage-time:${key}`, b.time, nowMs, cost);
    // Near the top the whole cost may not fit: fill what is left, so a block still lengthens.
    if (!r.allowed && r.used < b.time.size) await this.bucket.take(`usage-time:${key}`, b.time, nowMs, b.time.size - r.used);
  }
}
