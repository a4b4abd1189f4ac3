/**
 * The target side of the bench protocol. A target is a child process (forked by bench/run.ts) that
 * sets itself up, listens on a loopback port and sends one Scenario over IPC. The load generator
 * then asks for CPU readings (to show whether the target was saturated) and finally tells it to stop,
 * so `--cpu-prof` can write its profile on a clean exit.
 */

import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/**
 * Single-use refresh tokens (bench/wrk.lua): each connection starts with an unused token of the
 * pool, and every 2xx answer's `field` (the rotated refresh token) becomes the body of a later
 * request, `prefix` + token. No token is ever sent twice; the pool is drawn from only when an answer
 * brought none (the first request of each connection, or an error).
 */
export interface Chain {
  pool: string[];
  prefix: string;
  field: string;
}

/** What the load generator sends, request after request. */
export interface Scenario {
  port: number;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  /** A constant body; or */
  body?: string;
  /** single-use bodies (refresh tokens): see Chain. */
  chain?: Chain;
  /** Files whose size the soak mode follows (the target's SQLite database and its WAL). */
  files?: string[];
  /** One line on what this target measures. */
  note: string;
}

export type ToChild = { type: 'cpu' } | { type: 'stop' };
export type FromChild = { type: 'ready'; scenario: Scenario } | { type: 'cpu'; usage: NodeJS.CpuUsage; at: number; rss: number } | { type: 'error'; message: string };

/** Announces the scenario and serves the control messages until told to stop. */
export function announce(scenario: Scenario, close: () => Promise<void>): void {
  const send = (m: FromChild) => process.send?.(m);
  const profile = process.env.BENCH_PROFILE_FILE ? new Profile(process.env.BENCH_PROFILE_FILE) : undefined;
  let readings = 0;
  process.on('message', (m: ToChild) => {
    if (m.type === 'cpu') {
      // The first reading opens the first measured window: the profile skips setup and pool minting.
      const step = readings++ === 0 ? profile?.start() : undefined;
      void Promise.resolve(step).then(() => send({ type: 'cpu', usage: process.cpuUsage(), at: performance.now(), rss: process.memoryUsage.rss() }));
    }
    if (m.type === 'stop') {
      Promise.resolve(profile?.stop())
        .then(close)
        .then(
          () => process.exit(0),
          () => process.exit(1),
        );
    }
  });
  send({ type: 'ready', scenario });
}

/** Reports a setup failure to the load generator and exits. */
export function fail(error: unknown): never {
  process.send?.({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies FromChild, () => process.exit(1));
  setTimeout(() => process.exit(1), 1000).unref();
  throw error;
}

/** The mode argument of a target: `node target.ts MODE`. */
export function modeArg<T extends string>(modes: readonly T[]): T {
  const mode = process.argv[2] as T;
  if (!modes.includes(mode)) fail(new Error(`mode must be one of ${modes.join(', ')}, not ${String(mode)}`));
  return mode;
}

/** Size of a pool of first refresh tokens: each round of wrk draws about one per connection. */
export const poolSize = (): number => Number(process.env.BENCH_POOL ?? 2000);

/** A V8 CPU profile from the first measured window to the stop (not of setup or the token pool minting). */
class Profile {
  private session: Session | undefined;
  constructor(private readonly file: string) {}
  async start() {
    this.session = new Session();
    this.session.connect();
    await this.session.post('Profiler.enable');
    await this.session.post('Profiler.setSamplingInterval', { interval: 200 });
    await this.session.post('Profiler.start');
  }
  async stop() {
    const session = this.session;
    if (!session) return;
    this.session = undefined;
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(this.file, JSON.stringify(profile));
    session.disconnect();
  }
}
