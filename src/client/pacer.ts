import { sleep as realSleep } from './wire.js';

/**
 * Options of the call pacer (Cafe24's leaky bucket per mall and app: 40 calls drained 2 per
 * second unless the platform says otherwise).
 *
 * @example
 * ```ts
 * new ShopClient({ ...app, tokenStore, pacing: { perSecond: 2 } });
 * ```
 */
export interface PacingOptions {
  /** The bucket's drain rate in calls per second (not in any header; default 2). */
  perSecond?: number | undefined;
  /** The bucket size until `X-Api-Call-Limit` tells it (default: unknown, so one call goes first to learn it). */
  size?: number | undefined;
  now?: (() => number) | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
}

/**
 * Paces calls to a leaky bucket so they are not refused: it mirrors the bucket (every call pours
 * one, it drains at `perSecond`), takes the server's `X-Api-Call-Limit: used/size` as a floor
 * (other processes pour into the same bucket), and makes a call wait until it fits. Until the size
 * is known, calls go one at a time.
 *
 * @example
 * ```ts
 * const pacer = new CallPacer({ perSecond: 2 });
 * await pacer.acquire();
 * const res = await fetch(url);
 * pacer.observe(res.status, res.headers.get('x-api-call-limit'));
 * ```
 */
export class CallPacer {
  private level = 0;
  private at = 0;
  private size: number | undefined;
  /** No bucket at all (a success without X-Api-Call-Limit: the app's limit is off). */
  private unlimited = false;
  private tail: Promise<unknown> = Promise.resolve();
  private probe: { done: Promise<void>; release: () => void } | undefined;
  private readonly perSecond: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: PacingOptions = {}) {
    this.perSecond = options.perSecond ?? 2;
    this.size = options.size;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
  }

  /** Waits until one more call fits in the bucket, and counts it. Calls are admitted in order. */
  acquire(): Promise<void> {
    const turn = this.tail.then(() => this.admit());
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  /** What an answer says about the bucket. Every acquired call reports here once, whatever its outcome. */
  observe(status: number, header: string | null): void {
    const m = header === null ? null : /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(header);
    if (m) {
      this.size = Number(m[2]);
      this.unlimited = false;
      const level = this.levelAt(this.now());
      this.level = Math.max(level, Number(m[1]));
      this.at = this.now();
    } else if (status >= 200 && status < 300 && this.size === undefined) {
      this.unlimited = true;
    }
    if (status === 429) {
      // Refused: the bucket is full, whatever we thought.
      if (this.size !== undefined) this.level = Math.max(this.levelAt(this.now()), this.size);
      this.at = this.now();
    }
    this.probe?.release();
  }

  private async admit(): Promise<void> {
    for (;;) {
      if (this.unlimited) return;
      if (this.size === undefined) {
        // The first call learns the size; the others wait for its answer.
        if (this.probe) {
          await this.probe.done;
          continue;
        }
        let release!: () => void;
        const done = new Promise<void>((resolve) => (release = resolve));
        this.probe = { done, release: () => { this.probe = undefined; release(); } };
        this.pour();
        return;
      }
      const level = this.levelAt(this.now());
      if (level + 1 <= this.size) {
        this.pour();
        return;
      }
      await this.sleep(Math.ceil(((level + 1 - this.size) / this.perSecond) * 1000));
    }
  }

  private pour(): void {
    const now = this.now();
    this.level = this.levelAt(now) + 1;
    this.at = now;
  }

  private levelAt(t: number): number {
    return Math.max(0, this.level - ((t - this.at) / 1000) * this.perSecond);
  }
}
