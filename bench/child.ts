/**
 * The target side of the bench protocol. A target is a child process (forked by bench/run.ts) that
 * sets itself up, listens on a loopback port and sends one Scenario over IPC. The load generator
 * then asks for CPU readings (to show whether the target was saturated) and finally tells it to stop,
 * so `--cpu-prof` can write its profile on a clean exit.
 */

import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/** What the load generator sends, request after request. */
export interface Scenario {
  port: number;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  /** A constant body; or */
  body?: string;
  /** one body per request (single-use credentials): each is sent once, in order; or cycled if `cycle`. */
  bodies?: string[];
  cycle?: boolean;
  /** One line on what this target measures. */
  note: string;
}

export type ToChild = { type: 'cpu' } | { type: 'stop' };
export type FromChild = { type: 'ready'; scenario: Scenario } | { type: 'cpu'; usage: NodeJS.CpuUsage; at: number } | { type: 'error'; message: string };

/** Announces the scenario and serves the control messages until told to stop. */
export function announce(scenario: Scenario, close: () => Promise<void>): void {
  const send = (m: FromChild) => process.send?.(m);
  const profile = process.env.BENCH_PROFILE_FILE ? new Profile(process.env.BENCH_PROFILE_FILE) : undefined;
  let readings = 0;
  process.on('message', (m: ToChild) => {
    if (m.type === 'cpu') {
      // The first reading opens the first measured window: the profile skips setup and pool minting.
      const step = readings++ === 0 ? profile?.start() : undefined;
      void Promise.resolve(step).then(() => send({ type: 'cpu', usage: process.cpuUsage(), at: performance.now() }));
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

/** Pool size for single-use tokens: enough for warm-up plus the measured run at a generous rate. */
export const poolSize = (): number => Number(process.env.BENCH_POOL ?? 40_000);

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
