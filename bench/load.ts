/**
 * The load generators of `npm run bench`: wrk 4 (bench/wrk.lua), installed with apt-get where
 * missing and running as root, and autocannon only as a fallback that says so. Both drive one
 * Scenario (bench/child.ts) for a number of seconds and return the same Window.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Scenario } from './child.js';

const here = dirname(fileURLToPath(import.meta.url));

/** One window of load, as the generator saw it. */
export interface Window {
  requests: number;
  seconds: number;
  requestsPerSec: number;
  /** Latency percentiles in milliseconds. */
  p50: number;
  p90: number;
  p99: number;
  /** Answers by status class (counted per response), socket errors and timeouts. */
  status: { '2xx': number; '3xx': number; '4xx': number; '5xx': number };
  errors: number;
  timeouts: number;
  /** Single-use pool tokens drawn by the busiest thread, and requests sent after the pool ran dry. */
  drawn: number;
  overrun: number;
}

export interface LoadOptions {
  connections: number;
  threads: number;
  seconds: number;
  /** Run the generator on this CPU (taskset), if set. */
  cpu?: number;
  /** Where in the scenario's pool the next token is. */
  poolStart: number;
}

const has = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
export const hasTaskset = (): boolean => has('taskset');

/** wrk, installed if missing and we may (root, apt-get); else undefined and why. */
export function ensureWrk(): { ok: true } | { ok: false; why: string } {
  if (has('wrk')) return { ok: true };
  if (process.getuid?.() !== 0) return { ok: false, why: 'wrk is not installed and this is not root: install it (Debian/Ubuntu: sudo apt-get install -y wrk)' };
  if (!has('apt-get')) return { ok: false, why: 'wrk is not installed and there is no apt-get here: install wrk 4' };
  console.log('wrk is missing: apt-get install -y wrk ...');
  spawnSync('apt-get', ['update'], { stdio: 'ignore' });
  const installed = spawnSync('apt-get', ['install', '-y', 'wrk'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return installed.status === 0 && has('wrk') ? { ok: true } : { ok: false, why: 'apt-get install -y wrk failed' };
}

const poolFiles = new Map<Scenario, string>();
/** The scenario's pool as a file of tokens, one a line, for wrk.lua (written once). */
function poolFile(scenario: Scenario, dir: string): string {
  let file = poolFiles.get(scenario);
  if (!file) {
    mkdirSync(dir, { recursive: true });
    file = join(dir, `pool-${poolFiles.size}.txt`);
    writeFileSync(file, `${scenario.chain!.pool.join('\n')}\n`);
    poolFiles.set(scenario, file);
  }
  return file;
}

/** One wrk run; resolves with its WRKJSON line (bench/wrk.lua's done()). */
export function wrk(scenario: Scenario, o: LoadOptions, workDir: string): Promise<Window> {
  const chain = scenario.chain;
  const headers = Object.entries(scenario.headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  const script = [scenario.method, scenario.path, scenario.body ?? '-', chain ? poolFile(scenario, workDir) : '-', String(o.poolStart), chain?.prefix ?? '-', chain?.field ?? '-', String(o.threads)];
  const wrkArgs = [`-t${o.threads}`, `-c${o.connections}`, `-d${Math.max(1, Math.round(o.seconds))}s`, '--timeout', '10s', ...headers, '-s', join(here, 'wrk.lua'), `http://127.0.0.1:${scenario.port}`, '--', ...script];
  const [command, argv] = o.cpu === undefined ? ['wrk', wrkArgs] : ['taskset', ['-c', String(o.cpu), 'wrk', ...wrkArgs]];
  return new Promise((resolve, reject) => {
    const proc = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.on('error', reject);
    proc.on('close', (code) => {
      const line = /^WRKJSON (.*)$/m.exec(out)?.[1];
      if (code !== 0 || !line) return reject(new Error(`wrk failed (exit ${code}): ${err.trim() || out.trim()}`));
      const r = JSON.parse(line) as {
        requests: number; durationUs: number; status: Window['status']; drawn: number; overrun: number;
        errors: { connect: number; read: number; write: number; timeout: number };
        latencyUs: { p50: number; p90: number; p99: number };
      };
      const seconds = r.durationUs / 1e6;
      resolve({
        requests: r.requests,
        seconds,
        requestsPerSec: r.requests / seconds,
        p50: r.latencyUs.p50 / 1000,
        p90: r.latencyUs.p90 / 1000,
        p99: r.latencyUs.p99 / 1000,
        status: r.status,
        errors: r.errors.connect + r.errors.read + r.errors.write,
        timeouts: r.errors.timeout,
        drawn: r.drawn,
        overrun: r.overrun,
      });
    });
  });
}

/** The fallback: autocannon in this process (the same 2 cores; it tops out far below wrk). */
export async function autocannon(scenario: Scenario, o: LoadOptions): Promise<Window> {
  const { default: run } = (await import('autocannon')) as unknown as { default: typeof import('autocannon') };
  const chain = scenario.chain;
  const queue: string[] = [];
  let next = o.poolStart;
  let drawn = 0;
  let overrun = 0;
  const status = { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
  const pattern = chain ? new RegExp(`"${chain.field}":"([^"]+)"`) : undefined;
  const request: import('autocannon').Request = {
    method: scenario.method,
    path: scenario.path,
    headers: scenario.headers,
    ...(scenario.body === undefined ? {} : { body: scenario.body }),
    ...(chain
      ? {
          setupRequest: (req) => {
            let token = queue.shift();
            if (token === undefined) {
              token = chain.pool[next++];
              drawn++;
              if (token === undefined) (overrun++, (token = 'pool-exhausted'));
            }
            return { ...req, body: chain.prefix + token };
          },
          onResponse: (code, body) => {
            const token = code >= 200 && code < 300 ? pattern?.exec(body)?.[1] : undefined;
            if (token) queue.push(token);
          },
        }
      : {}),
  };
  const r = await run({ url: `http://127.0.0.1:${scenario.port}`, connections: o.connections, duration: Math.max(1, Math.round(o.seconds)), requests: [request], timeout: 10 });
  for (const [code, n] of Object.entries((r.statusCodeStats ?? {}) as Record<string, { count: number }>)) {
    const cls = `${String(code)[0]}xx` as keyof typeof status;
    if (cls in status) status[cls] += n.count;
  }
  return {
    requests: r.requests.total,
    seconds: r.duration,
    requestsPerSec: r.requests.total / r.duration,
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    status,
    errors: r.errors - r.timeouts,
    timeouts: r.timeouts,
    drawn,
    overrun,
  };
}
