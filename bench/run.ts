/**
 * `npm run bench`: each target in its own child process (bench/targets/), driven over loopback by
 * autocannon from this process, with the same connections and duration for all.
 *
 * The machine is small and shared (2 cores), so targets are compared side by side: all children
 * start once, then `--rounds` rounds each drive every target in turn (a short warm-up, then the
 * measured window). A target's ratio is the median over rounds of its req/s divided by its bare
 * baseline's req/s in the same round. Prints req/s, p50/p99 latency, CPU use and ratios; writes
 * bench/results.json.
 *
 * Options: --only a,b (their baselines come along)  --rounds N  --duration S  --warmup S
 * --connections N  --profile (V8 CPU profiles of the selected targets, from the first measured
 * window on, written to .bench/profiles/ and summarised; see bench/profile.ts). BENCH_POOL: the
 * number of single-use refresh tokens each refresh target mints before listening.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import type { FromChild, Scenario, ToChild } from './child.js';
import { summarizeProfile } from './profile.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

interface Target {
  name: string;
  script: string;
  mode: string;
  /** The bare baseline this target is compared with, and the team's floor for the ratio. */
  baseline?: string;
  floor?: number;
  shopauth?: boolean;
}

const targets: Target[] = [
  { name: 'bare-json', script: 'bare.ts', mode: 'json' },
  { name: 'bare-form', script: 'bare.ts', mode: 'form' },
  // The framework's ceiling: the most any Fastify route can reach against the same baselines.
  { name: 'fastify-json', script: 'fastify.ts', mode: 'json', baseline: 'bare-json' },
  { name: 'fastify-form', script: 'fastify.ts', mode: 'form', baseline: 'bare-form' },
  { name: 'shopauth-refresh', script: 'shopauth.ts', mode: 'refresh', baseline: 'bare-form', floor: 0.5, shopauth: true },
  { name: 'shopauth-read', script: 'shopauth.ts', mode: 'read', baseline: 'bare-json', floor: 0.6, shopauth: true },
  { name: 'oidc-cc', script: 'oidc.ts', mode: 'cc', baseline: 'bare-form' },
  { name: 'oidc-refresh', script: 'oidc.ts', mode: 'refresh', baseline: 'bare-form' },
  { name: 'oidc-userinfo', script: 'oidc.ts', mode: 'userinfo', baseline: 'bare-json' },
];
// The POD Shop credentials token endpoint, where it exists (src/http/pod-routes.ts).
if (existsSync(join(root, 'src/http/pod-routes.ts'))) {
  targets.splice(targets.findIndex((t) => t.name === 'shopauth-refresh') + 1, 0, { name: 'shopauth-pod-token', script: 'shopauth.ts', mode: 'pod', baseline: 'bare-form', floor: 0.5, shopauth: true });
}

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1.5' },
    connections: { type: 'string', default: '32' },
    profile: { type: 'boolean', default: false },
  },
});
const rounds = Number(args.rounds);
const duration = Number(args.duration);
const warmup = Number(args.warmup);
const connections = Number(args.connections);
// --only names targets; their baselines come along. --profile alone: the shopauth targets and baselines.
const wanted = new Set(args.only?.split(',') ?? targets.filter((t) => !args.profile || t.shopauth).map((t) => t.name));
for (const t of targets) if (wanted.has(t.name) && t.baseline) wanted.add(t.baseline);
const selected = targets.filter((t) => wanted.has(t.name));
const profileDir = join(root, '.bench', 'profiles'); // .bench/ is git-ignored

/** One measured window. */
interface Run {
  requestsPerSec: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** CPU seconds per second of the target process while measured (1.0 = one core busy). */
  targetCpu: number;
  /** The same for this process, the load generator (autocannon). */
  generatorCpu: number;
  /** Target CPU time per request, in microseconds: less sensitive to a busy machine than req/s. */
  cpuPerRequestUs: number;
}

interface Result extends Run {
  name: string;
  note: string;
  baseline?: string;
  /** Median over rounds of req/s over the baseline's req/s in the same round. */
  ratio?: number;
  /** The baseline's CPU time per request over this target's (medians): the server-side cost ratio. */
  cpuRatio?: number;
  ratios?: number[];
  floor?: number;
  rounds: Run[];
  /** Single-use bodies ran out and one was sent again: the figures are not valid. */
  poolExhausted?: boolean;
}

class Child {
  /** Messages not yet asked for, and askers not yet answered. */
  private readonly inbox: FromChild[] = [];
  private readonly waiters: ((m: FromChild) => void)[] = [];
  private readonly exit: Promise<number | null>;
  constructor(readonly process: ChildProcess) {
    process.on('message', (m: FromChild) => {
      const waiter = this.waiters.shift();
      if (waiter) waiter(m);
      else this.inbox.push(m);
    });
    this.exit = new Promise((resolve) => process.once('exit', (code) => resolve(code)));
  }
  next(): Promise<FromChild> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    return Promise.race([
      new Promise<FromChild>((resolve) => this.waiters.push(resolve)),
      this.exit.then((code) => Promise.reject(new Error(`target exited with code ${code}`))),
    ]);
  }
  send(m: ToChild) {
    this.process.send(m);
  }
  async cpu(): Promise<{ usage: NodeJS.CpuUsage; at: number }> {
    this.send({ type: 'cpu' });
    const m = await this.next();
    if (m.type !== 'cpu') throw new Error('unexpected message');
    return m;
  }
  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.send({ type: 'stop' });
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 15_000);
    await this.exit;
    clearTimeout(timer);
  }
}

function start(target: Target): Child {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (args.profile) env.BENCH_PROFILE_FILE = join(profileDir, `${target.name}.cpuprofile`);
  const proc = fork(join(here, 'targets', target.script), [target.mode], {
    execArgv: ['--import', 'tsx'],
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    cwd: root,
  });
  return new Child(proc);
}

interface Live {
  target: Target;
  child: Child;
  scenario: Scenario;
  /** Next single-use body, and how many times the pool ran dry. */
  state: { next: number; overrun: number };
  runs: Run[];
}

function load(live: Live, seconds: number): Promise<autocannon.Result> {
  const { scenario, state } = live;
  const { bodies } = scenario;
  const request: autocannon.Request = { method: scenario.method, path: scenario.path, headers: scenario.headers };
  if (scenario.body !== undefined) request.body = scenario.body;
  if (bodies) {
    request.setupRequest = (req) => {
      let body = bodies[state.next++];
      if (body === undefined) {
        if (scenario.cycle) {
          state.next = 1;
          body = bodies[0];
        } else {
          state.overrun++;
          body = bodies[bodies.length - 1];
        }
      }
      return { ...req, body };
    };
  }
  return autocannon({ url: `http://127.0.0.1:${scenario.port}`, connections, duration: seconds, pipelining: 1, requests: [request] });
}

async function measure(live: Live, warm: number): Promise<Run> {
  if (warm > 0) await load(live, warm);
  const before = await live.child.cpu();
  const own = process.cpuUsage();
  const r = await load(live, duration);
  const ownUsage = process.cpuUsage(own);
  const after = await live.child.cpu();
  const wallMs = after.at - before.at;
  return {
    requestsPerSec: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    targetCpu: (after.usage.user + after.usage.system - before.usage.user - before.usage.system) / 1000 / wallMs,
    generatorCpu: (ownUsage.user + ownUsage.system) / 1000 / wallMs,
    cpuPerRequestUs: (after.usage.user + after.usage.system - before.usage.user - before.usage.system) / Math.max(1, r.requests.total),
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

const machine = `${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'})`;
console.log(`shopauth bench: ${connections} connections; ${rounds} rounds of ${warmup}s warm-up + ${duration}s per target; ${machine}`);
if (args.profile) {
  rmSync(profileDir, { recursive: true, force: true });
  mkdirSync(profileDir, { recursive: true });
}

const lives: Live[] = [];
const started = selected.map((target) => ({ target, child: start(target) }));
try {
  process.stdout.write(`starting ${started.length} targets (minting token pools)... `);
  for (const { target, child } of started) {
    const ready = await child.next();
    if (ready.type === 'error') throw new Error(`${target.name} failed to start:\n${ready.message}`);
    if (ready.type !== 'ready') throw new Error('unexpected message');
    lives.push({ target, child, scenario: ready.scenario, state: { next: 0, overrun: 0 }, runs: [] });
  }
  console.log('ready');
  for (let round = 0; round < rounds; round++) {
    const line: string[] = [];
    for (const live of lives) {
      // The first round warms up fully (JIT, connections); later ones just re-open connections.
      const run = await measure(live, round === 0 ? warmup : Math.min(warmup, 0.5));
      live.runs.push(run);
      line.push(`${live.target.name} ${Math.round(run.requestsPerSec)}`);
    }
    console.log(`  round ${round + 1}: ${line.join(', ')} req/s`);
  }
} finally {
  await Promise.all(started.map(({ child }) => child.stop()));
}

const results: Result[] = lives.map(({ target, scenario, state, runs }) => {
  const result: Result = {
    name: target.name,
    note: scenario.note,
    requestsPerSec: median(runs.map((r) => r.requestsPerSec)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    requests: runs.reduce((n, r) => n + r.requests, 0),
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    timeouts: runs.reduce((n, r) => n + r.timeouts, 0),
    targetCpu: median(runs.map((r) => r.targetCpu)),
    generatorCpu: median(runs.map((r) => r.generatorCpu)),
    cpuPerRequestUs: median(runs.map((r) => r.cpuPerRequestUs)),
    rounds: runs,
  };
  const base = lives.find((l) => l.target.name === target.baseline);
  if (base && target.baseline) {
    result.baseline = target.baseline;
    result.ratios = runs.map((r, i) => r.requestsPerSec / (base.runs[i]?.requestsPerSec ?? Number.NaN));
    result.ratio = median(result.ratios);
    result.cpuRatio = median(base.runs.map((r) => r.cpuPerRequestUs)) / result.cpuPerRequestUs;
  }
  if (target.floor !== undefined) result.floor = target.floor;
  if (state.overrun > 0) result.poolExhausted = true;
  return result;
});

const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);
console.log(`\n${pad('target', 20)}${lpad('req/s', 8)}${lpad('p50 ms', 8)}${lpad('p99 ms', 8)}${lpad('cpu', 6)}${lpad('gen', 6)}${lpad('µs/req', 8)}${lpad('cpu ratio', 10)}${lpad('ratio', 7)}  ${pad('(per round)', 18)} ${pad('vs / floor', 17)} verdict`);
for (const r of results) {
  const verdict = r.floor === undefined || r.ratio === undefined ? '' : r.ratio >= r.floor ? 'meets' : 'MISSES';
  const problems = [
    r.non2xx ? `${r.non2xx} non-2xx` : '',
    r.errors ? `${r.errors} errors` : '',
    r.timeouts ? `${r.timeouts} timeouts` : '',
    r.poolExhausted ? 'TOKEN POOL EXHAUSTED: invalid, raise BENCH_POOL' : '',
  ].filter(Boolean);
  console.log(
    [
      pad(r.name, 20),
      lpad(String(Math.round(r.requestsPerSec)), 8),
      lpad(String(r.p50), 8),
      lpad(String(r.p99), 8),
      lpad(r.targetCpu.toFixed(2), 6),
      lpad(r.generatorCpu.toFixed(2), 6),
      lpad(String(Math.round(r.cpuPerRequestUs)), 8),
      lpad(r.cpuRatio === undefined ? '' : r.cpuRatio.toFixed(3), 10),
      lpad(r.ratio === undefined ? '' : r.ratio.toFixed(3), 7),
      '  ',
      pad(r.ratios ? r.ratios.map((x) => x.toFixed(2)).join(' ') : '', 18),
      ' ',
      pad(r.baseline ? `${r.baseline}${r.floor ? ` / ${r.floor}` : ''}` : '', 17),
      ' ',
      [verdict, ...problems].filter(Boolean).join('; '),
    ].join(''),
  );
}
console.log('\nreq/s, p50, p99, cpu, gen: medians over rounds. cpu, gen: CPU seconds per second of the target');
console.log('process and of the load generator while measured (1.00 = one core busy). µs/req: target CPU time per request;');
console.log('cpu ratio: the baseline\'s µs/req over the target\'s. ratio (the team\'s measure): req/s over the baseline\'s req/s,');
console.log('per round, median; when the baseline\'s cpu is well under 1.00 the load generator limited it and this ratio flatters.');
for (const r of results) console.log(`  ${r.name}: ${r.note}`);

if (args.profile) {
  for (const file of readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'))) {
    console.log(`\n== ${file}`);
    console.log(summarizeProfile(join(profileDir, file)));
  }
} else {
  // The full run is the record (bench/results.json); partial runs go to the git-ignored .bench/.
  const file = args.only ? join(root, '.bench', 'results-partial.json') : join(here, 'results.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), machine, connections, rounds, duration, warmup, results }, null, 2)}\n`);
  console.log(`\nwrote ${file}`);
}
const invalid = results.filter((r) => r.poolExhausted || (r.baseline && (r.non2xx || r.errors)));
if (invalid.length > 0) {
  console.log(`\ninvalid: ${invalid.map((r) => r.name).join(', ')} (errors, non-2xx answers or an exhausted token pool)`);
  process.exitCode = 1;
}
