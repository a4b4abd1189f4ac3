/**
 * `npm run bench` (docs/performance.md): every target a server in its own process
 * (bench/targets/), pinned to CPU 0 with taskset, driven over loopback by wrk pinned to CPU 1
 * (bench/load.ts, bench/wrk.lua), all in one run. The SQLite targets start from one template
 * made by shopauth's own store (bench/seed.ts). Rounds are interleaved: each round drives every
 * target in turn (warm-up, then the measured window); a comparison's ratio is the median over
 * rounds of the ratio within each round. The goals of issue 13 are the GOALS table below, each
 * with its verdict. Writes bench/results.json on a full run only.
 *
 * Options: --only a,b (what their goals compare with comes along)  --rounds N  --duration S
 * --warmup S  --connections N  --threads N  --profile (V8 CPU profiles, see bench/profile.ts)
 * --soak S (token and read paths at once on one server, RSS and SQLite file sampled every 10 s)
 * --autocannon (force the fallback generator)  --no-pin.  BENCH_POOL: first refresh tokens per
 * pool (2000); BENCH_DB_DIR: where SQLite files go; BENCH_SYNCHRONOUS: override the floors' level.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { FromChild, Scenario, ToChild } from './child.js';
import { autocannon, ensureWrk, hasTaskset, wrk, type LoadOptions, type Window } from './load.js';
import { summarizeProfile } from './profile.js';
import { PUBLIC_URL, SERVER_SECRET, type Seed } from './seed.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const work = join(root, '.bench'); // git-ignored

interface Target {
  name: string;
  /** A child of bench/targets/ and its mode; or `serve`: the shopauth CLI with this many workers (unpinned). */
  script?: string;
  mode?: string;
  serve?: 1 | 2;
  /** The bare baseline of the same request shape (the "x bare" column). */
  bare?: string;
  /** A floor's shopauth twin: their answers are compared byte for byte before the rounds. */
  twin?: string;
}

const targets: Target[] = [
  { name: 'bare-json', script: 'bare.ts', mode: 'json' },
  { name: 'bare-form', script: 'bare.ts', mode: 'form' },
  { name: 'fastify-json', script: 'fastify.ts', mode: 'json', bare: 'bare-json' },
  { name: 'fastify-form', script: 'fastify.ts', mode: 'form', bare: 'bare-form' },
  { name: 'floor-pod', script: 'floor-pod.ts', mode: 'pod', bare: 'bare-form', twin: 'shopauth-pod' },
  { name: 'shopauth-pod', script: 'shopauth.ts', mode: 'pod', bare: 'bare-form' },
  { name: 'floor-pod-pg', script: 'floor-pod-pg.ts', mode: 'pod', bare: 'bare-form', twin: 'shopauth-pod-pg' },
  { name: 'shopauth-pod-pg', script: 'shopauth.ts', mode: 'pod-pg', bare: 'bare-form' },
  { name: 'oidc-cc-memory', script: 'oidc.ts', mode: 'cc-memory', bare: 'bare-form' },
  { name: 'oidc-cc', script: 'oidc.ts', mode: 'cc', bare: 'bare-form' },
  { name: 'oauth2-cc', script: 'oauth2-server.ts', mode: 'cc', bare: 'bare-form' },
  { name: 'floor-refresh', script: 'floor-refresh.ts', mode: 'refresh', bare: 'bare-form', twin: 'shopauth-refresh' },
  { name: 'shopauth-refresh', script: 'shopauth.ts', mode: 'refresh', bare: 'bare-form' },
  { name: 'oidc-refresh', script: 'oidc.ts', mode: 'refresh', bare: 'bare-form' },
  { name: 'floor-read', script: 'floor-read.ts', mode: 'bearer', bare: 'bare-json', twin: 'shopauth-read' },
  { name: 'shopauth-read', script: 'shopauth.ts', mode: 'read', bare: 'bare-json' },
  { name: 'floor-read-basic', script: 'floor-read.ts', mode: 'basic', bare: 'bare-json', twin: 'shopauth-read-basic' },
  { name: 'shopauth-read-basic', script: 'shopauth.ts', mode: 'read-basic', bare: 'bare-json' },
  { name: 'oidc-userinfo', script: 'oidc.ts', mode: 'userinfo', bare: 'bare-json' },
  { name: 'floor-introspect', script: 'floor-introspect.ts', mode: 'introspect', bare: 'bare-form', twin: 'shopauth-introspect' },
  { name: 'shopauth-introspect', script: 'shopauth.ts', mode: 'introspect', bare: 'bare-form' },
  { name: 'oidc-introspect', script: 'oidc.ts', mode: 'introspect', bare: 'bare-form' },
  { name: 'shopauth-soak', script: 'shopauth.ts', mode: 'soak', bare: 'bare-form' },
  { name: 'serve-1', serve: 1 },
  { name: 'serve-2', serve: 2 },
];

/**
 * Issue 13's targets, each a ratio in the same run: `of` over `to`, req/s (at least `min`) or p99
 * (at most `max`); no bound: shown for information. `missing`: not measured by this bench yet.
 */
interface Goal {
  goal: string;
  of: string;
  to: string;
  measure: 'req/s' | 'p99';
  min?: number;
  max?: number;
  missing?: string;
}
const GOALS: Goal[] = [
  { goal: 'bearer read of products?limit=10 >= 0.8x its floor', of: 'shopauth-read', to: 'floor-read', measure: 'req/s', min: 0.8 },
  { goal: 'the same read with Basic credentials >= 0.8x its floor', of: 'shopauth-read-basic', to: 'floor-read-basic', measure: 'req/s', min: 0.8 },
  { goal: 'POD token >= 1.0x its floor (one commit per request)', of: 'shopauth-pod', to: 'floor-pod', measure: 'req/s', min: 1.0 },
  { goal: "POD token >= 1.0x oidc-provider's in-memory client_credentials", of: 'shopauth-pod', to: 'oidc-cc-memory', measure: 'req/s', min: 1.0 },
  { goal: "POD token vs oidc-provider's client_credentials on SQLite", of: 'shopauth-pod', to: 'oidc-cc', measure: 'req/s' },
  { goal: "POD token vs @node-oauth/oauth2-server's client_credentials (in memory)", of: 'shopauth-pod', to: 'oauth2-cc', measure: 'req/s' },
  { goal: "Cafe24 refresh >= 2x oidc-provider's refresh with rotation (same engine)", of: 'shopauth-refresh', to: 'oidc-refresh', measure: 'req/s', min: 2.0 },
  { goal: 'Cafe24 refresh >= 0.8x its floor', of: 'shopauth-refresh', to: 'floor-refresh', measure: 'req/s', min: 0.8 },
  { goal: 'introspection >= 0.8x its floor', of: 'shopauth-introspect', to: 'floor-introspect', measure: 'req/s', min: 0.8 },
  { goal: "introspection vs oidc-provider's introspection", of: 'shopauth-introspect', to: 'oidc-introspect', measure: 'req/s' },
  { goal: "bearer read vs oidc-provider's userinfo", of: 'shopauth-read', to: 'oidc-userinfo', measure: 'req/s' },
  ...(['read', 'read-basic', 'pod', 'refresh', 'introspect'] as const).map(
    (op): Goal => ({ goal: `p99 of ${op} <= 2x its floor's p99 (32 connections)`, of: `shopauth-${op}`, to: `floor-${op}`, measure: 'p99', max: 2.0 }),
  ),
  { goal: 'serve --workers 2 >= 1.6x one process (unpinned, bearer read)', of: 'serve-2', to: 'serve-1', measure: 'req/s', min: 1.6 },
  { goal: 'PostgreSQL: POD token >= 0.8x its pg floor (same box)', of: 'shopauth-pod-pg', to: 'floor-pod-pg', measure: 'req/s', min: 0.8 },
];

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '32' },
    threads: { type: 'string', default: '1' },
    profile: { type: 'boolean', default: false },
    soak: { type: 'string' },
    autocannon: { type: 'boolean', default: false },
    'no-pin': { type: 'boolean', default: false },
  },
});
const rounds = Number(args.rounds);
const duration = Number(args.duration);
const warmup = Number(args.warmup);
const connections = Number(args.connections);
const threads = Number(args.threads);
const soakSeconds = args.soak === undefined ? undefined : Number(args.soak);

// ---- generator and pinning
const found = args.autocannon ? { ok: false as const, why: '--autocannon was given' } : ensureWrk();
const generator = found.ok ? 'wrk' : 'autocannon';
if (!found.ok) {
  const bar = '!'.repeat(100);
  console.log(`${bar}\n!! FALLBACK: load from autocannon, not wrk (${found.why}).\n!! autocannon shares this Node process and tops out far below wrk: every ratio against a fast target is flattered.\n${bar}`);
}
const pin = !args['no-pin'] && hasTaskset() && cpus().length >= 2;
if (!pin) console.log(`not pinned: ${args['no-pin'] ? '--no-pin' : cpus().length < 2 ? 'fewer than 2 CPUs' : 'no taskset'}; server and generator share the CPUs`);
const SERVER_CPU = 0;
const GENERATOR_CPU = 1;
const machine = `${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'})`;

// ---- selection: --only names targets; what their goals compare with and their bare baselines come along.
const profile = args.profile;
const defaultNames = soakSeconds !== undefined ? ['shopauth-soak'] : profile ? ['shopauth-pod', 'shopauth-read'] : targets.filter((t) => t.mode !== 'soak').map((t) => t.name);
const wanted = new Set(args.only?.split(',') ?? defaultNames);
for (const name of [...wanted]) if (!targets.some((t) => t.name === name)) throw new Error(`no target ${name}; targets: ${targets.map((t) => t.name).join(', ')}`);
if (!profile && soakSeconds === undefined) {
  for (const g of GOALS) if (wanted.has(g.of) && g.to && (g.min !== undefined || g.max !== undefined)) wanted.add(g.to);
  for (const t of targets) if (wanted.has(t.name) && t.bare) wanted.add(t.bare);
}
const selected = targets.filter((t) => wanted.has(t.name));
const fullRun = args.only === undefined && !profile && soakSeconds === undefined && rounds >= 3 && duration >= 5;

// ---- the run's data: one template for every SQLite target
rmSync(work, { recursive: true, force: true });
const seedDir = join(work, 'seed');
// The PostgreSQL targets' copy: a schema of this run only, dropped on exit (PG_BENCH_URL: the server, default the dev box's).
const pgSchema = `bench_${process.pid}`;
const pgServer = process.env.PG_BENCH_URL ?? 'postgres://root@127.0.0.1:5432/test';
const usesPg = selected.some((t) => t.mode === 'pod-pg' || t.script === 'floor-pod-pg.ts');
const dropPgSchema = () => spawnSync(process.execPath, ['-e', `const pg=require('pg');const c=new pg.Client(${JSON.stringify(pgServer)});c.connect().then(()=>c.query('drop schema if exists ${pgSchema} cascade')).finally(()=>c.end())`], { cwd: root, stdio: 'inherit' });
if (usesPg) process.on('exit', dropPgSchema);
const pgEnv = usesPg ? { BENCH_PG_URL: `${pgServer}?schema=${pgSchema}` } : {};
const seeded = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'seed.ts'), seedDir, String(Number(process.env.BENCH_POOL ?? 2000))], { cwd: root, stdio: 'inherit', env: { ...process.env, ...pgEnv } });
if (seeded.status !== 0) throw new Error('seeding the template failed');
const seed = JSON.parse(readFileSync(join(seedDir, 'seed.json'), 'utf8')) as Seed;
const synchronous = process.env.BENCH_SYNCHRONOUS ?? seed.synchronous;
const profileDir = join(work, 'profiles');
if (profile) mkdirSync(profileDir, { recursive: true });

/** A running target: a child speaking bench/child.ts, or the shopauth CLI. */
class Server {
  private readonly inbox: FromChild[] = [];
  private readonly waiters: ((m: FromChild) => void)[] = [];
  readonly exit: Promise<number | null>;
  stderr = '';
  constructor(readonly proc: ChildProcess, readonly ipc: boolean) {
    proc.on('message', (m: FromChild) => {
      const waiter = this.waiters.shift();
      if (waiter) waiter(m);
      else this.inbox.push(m);
    });
    proc.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exit = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
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
    this.proc.send(m);
  }
  /** CPU seconds used so far (all threads; with workers, the whole process tree), and RSS in bytes. */
  async usage(): Promise<{ cpuUs: number; at: number; rss: number }> {
    if (!this.ipc) return treeUsage(this.proc.pid ?? 0);
    this.send({ type: 'cpu' });
    const m = await this.next();
    if (m.type !== 'cpu') throw new Error('unexpected message');
    return { cpuUs: m.usage.user + m.usage.system, at: performance.now(), rss: m.rss };
  }
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    if (this.ipc) this.send({ type: 'stop' });
    else this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 15_000);
    await this.exit;
    clearTimeout(timer);
  }
}

/** CPU time and RSS of a process and its descendants, from /proc (the CLI targets). */
function treeUsage(pid: number): { cpuUs: number; at: number; rss: number } {
  const stats = new Map<number, string[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8');
      stats.set(Number(entry), text.slice(text.lastIndexOf(')') + 2).split(' '));
    } catch {
      // gone meanwhile
    }
  }
  const tree = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [p, f] of stats) if (!tree.has(p) && tree.has(Number(f[1]))) (tree.add(p), (grew = true));
  }
  let ticks = 0;
  let pages = 0;
  for (const p of tree) {
    const f = stats.get(p);
    if (f) (ticks += Number(f[11]) + Number(f[12])), (pages += Number(f[21]));
  }
  return { cpuUs: (ticks / 100) * 1e6, at: performance.now(), rss: pages * 4096 };
}

function startChild(target: Target): Server {
  const env: NodeJS.ProcessEnv = { ...process.env, ...pgEnv, BENCH_SEED_DIR: seedDir, BENCH_SYNCHRONOUS: synchronous };
  if (profile) env.BENCH_PROFILE_FILE = join(profileDir, `${target.name}.cpuprofile`);
  const node = [process.execPath, '--import', 'tsx', join(here, 'targets', target.script!), target.mode ?? ''];
  const [command, ...argv] = pin ? ['taskset', '-c', String(SERVER_CPU), ...node] : node;
  return new Server(spawn(command!, argv, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }), true);
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

/** `shopauth serve [--workers 2]` on a copy of the template, unpinned; undefined (and why) if it cannot start. */
async function startServe(target: Target): Promise<{ server: Server; scenario: Scenario } | { skip: string }> {
  const dir = join(work, target.name);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(seedDir, 'template.db'), join(dir, 'shopauth.db'));
  const port = await freePort();
  const flags = ['serve', '--port', String(port), '--host', '127.0.0.1', '--db', join(dir, 'shopauth.db'), '--rate-limit', 'off', '--token-rate-limit', 'off', '--log-level', 'silent', '--public-url', PUBLIC_URL];
  if (target.serve === 2) flags.push('--workers', '2');
  const proc = spawn(process.execPath, [join(root, 'bin/shopauth.js'), ...flags], { cwd: root, env: { ...process.env, SHOPAUTH_SECRET: SERVER_SECRET }, stdio: ['ignore', 'ignore', 'pipe'] });
  const server = new Server(proc, false);
  const scenario: Scenario = {
    port,
    method: 'GET',
    path: `/malls/${seed.mallId}/api/v2/admin/products?limit=10`,
    headers: { authorization: `Bearer ${seed.accessToken}` },
    files: [join(dir, 'shopauth.db'), join(dir, 'shopauth.db-wal')],
    note: `shopauth serve${target.serve === 2 ? ' --workers 2' : ''} (the CLI, unpinned): products?limit=10 with a Bearer token`,
  };
  const deadline = Date.now() + 30_000;
  let exited = false;
  void server.exit.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}${scenario.path}`, { headers: scenario.headers });
      if (r.status === 200) return { server, scenario };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await server.stop();
  const why = server.stderr.split('\n').find((l) => l.trim()) ?? 'no answer within 30 s';
  return { skip: target.serve === 2 ? `serve --workers is not supported by this CLI yet (${why.trim()})` : `serve failed: ${why.trim()}` };
}

interface Run extends Window {
  /** CPU seconds per second of the server while measured (1.00 = one core busy). */
  cpu: number;
  /** Server CPU time per request, microseconds. */
  cpuPerRequestUs: number;
}
interface Live {
  target: Target;
  server: Server;
  scenario: Scenario;
  poolNext: number;
  runs: Run[];
  poolExhausted: boolean;
}

function load(live: Live, seconds: number): Promise<Window> {
  const unpinned = live.target.serve !== undefined;
  const o: LoadOptions = { connections, threads, seconds, poolStart: live.poolNext, ...(pin && !unpinned ? { cpu: GENERATOR_CPU } : {}) };
  return generator === 'wrk' ? wrk(live.scenario, o, join(work, 'wrk', live.target.name)) : autocannon(live.scenario, o);
}

async function window(live: Live, seconds: number): Promise<Window> {
  const w = await load(live, seconds);
  live.poolNext += w.drawn * threads;
  if (w.overrun > 0) live.poolExhausted = true;
  return w;
}

async function measure(live: Live, warm: number): Promise<Run> {
  if (warm > 0) await window(live, warm);
  const before = await live.server.usage();
  const w = await window(live, duration);
  const after = await live.server.usage();
  const cpuUs = after.cpuUs - before.cpuUs;
  return { ...w, cpu: cpuUs / 1000 / (after.at - before.at), cpuPerRequestUs: cpuUs / Math.max(1, w.requests) };
}

/** One request outside the measured windows: what a client sees (a chained target spends one pool token). */
async function probe(live: Live): Promise<{ status: number; type: string; body: string }> {
  const { scenario } = live;
  let body = scenario.body;
  if (scenario.chain) body = scenario.chain.prefix + (scenario.chain.pool[live.poolNext++] ?? '');
  const r = await fetch(`http://127.0.0.1:${scenario.port}${scenario.path}`, { method: scenario.method, headers: scenario.headers, ...(body === undefined ? {} : { body }) });
  return { status: r.status, type: r.headers.get('content-type') ?? '', body: await r.text() };
}

/** Same answer? Exactly the same bytes, or (tokens and times differ per request) the same fields and length. */
function compareAnswers(a: { status: number; type: string; body: string }, b: { status: number; type: string; body: string }): string {
  if (a.status !== b.status || a.type !== b.type) return `DIFFERENT: ${a.status} ${a.type} vs ${b.status} ${b.type}`;
  if (a.body === b.body) return `the same ${a.body.length} bytes`;
  const keys = (s: string) => {
    try {
      return Object.keys(JSON.parse(s) as object).join(',');
    } catch {
      return '(not JSON)';
    }
  };
  if (keys(a.body) !== keys(b.body)) return `DIFFERENT fields: ${keys(a.body)} vs ${keys(b.body)}`;
  return a.body.length === b.body.length ? `the same fields and length (${a.body.length} bytes; tokens and times differ)` : `same fields, DIFFERENT length: ${a.body.length} vs ${b.body.length} bytes`;
}

const median = (xs: number[]): number => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const fmt = (x: number, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

async function startAll(list: Target[]): Promise<{ lives: Live[]; skipped: Map<string, string>; stopAll: () => Promise<void> }> {
  const servers: Server[] = [];
  const lives: Live[] = [];
  const skipped = new Map<string, string>();
  const children = list.filter((t) => t.script).map((target) => ({ target, server: startChild(target) }));
  servers.push(...children.map((c) => c.server));
  const stopAll = () => Promise.all(servers.map((s) => s.stop())).then(() => undefined);
  try {
    for (const { target, server } of children) {
      const ready = await server.next();
      if (ready.type === 'error') throw new Error(`${target.name} failed to start:\n${ready.message}`);
      if (ready.type !== 'ready') throw new Error('unexpected message');
      lives.push({ target, server, scenario: ready.scenario, poolNext: 0, runs: [], poolExhausted: false });
    }
    for (const target of list.filter((t) => t.serve)) {
      const started = await startServe(target);
      if ('skip' in started) skipped.set(target.name, started.skip);
      else (servers.push(started.server), lives.push({ target, server: started.server, scenario: started.scenario, poolNext: 0, runs: [], poolExhausted: false }));
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  return { lives, skipped, stopAll };
}

const header = `shopauth bench: ${generator}${generator === 'wrk' ? ` -t${threads}` : ''} -c${connections}; ${pin ? `servers on CPU ${SERVER_CPU}, generator on CPU ${GENERATOR_CPU} (taskset)` : 'unpinned'}; ${machine}; SQLite synchronous=${synchronous} (shopauth's${process.env.BENCH_SYNCHRONOUS ? ', overridden by BENCH_SYNCHRONOUS' : ''})`;
console.log(header);

if (soakSeconds !== undefined) await soak(soakSeconds);
else await bench();

async function bench() {
  console.log(`${rounds} rounds of ${warmup}s warm-up + ${duration}s per target, interleaved; ${selected.length} targets`);
  process.stdout.write('starting targets... ');
  const { lives, skipped, stopAll } = await startAll(selected);
  console.log('ready');
  for (const [name, why] of skipped) console.log(`  SKIPPED ${name}: ${why}`);
  const answers = new Map<string, Awaited<ReturnType<typeof probe>>>();
  try {
    for (const live of lives) {
      const a = await probe(live);
      answers.set(live.target.name, a);
      if (a.status < 200 || a.status > 299) console.log(`  WARNING ${live.target.name} answers ${a.status}: ${a.body.slice(0, 200)}`);
      // An introspection that says "inactive" measures the cheap path: the setup is wrong.
      if (a.body.includes('"active":false')) console.log(`  WARNING ${live.target.name} answers {"active":false}: not the path meant`);
    }
    for (const live of lives) {
      const twin = live.target.twin;
      const a = answers.get(live.target.name);
      const b = twin ? answers.get(twin) : undefined;
      if (a && b) console.log(`  answers of ${live.target.name} and ${twin}: ${compareAnswers(a, b)}`);
    }
    for (let round = 0; round < rounds; round++) {
      const line: string[] = [];
      for (const live of lives) {
        // The first round warms up fully (JIT, connections); later ones briefly.
        const run = await measure(live, round === 0 ? warmup : Math.min(warmup, 1));
        live.runs.push(run);
        line.push(`${live.target.name} ${Math.round(run.requestsPerSec)}`);
      }
      console.log(`  round ${round + 1}: ${line.join(', ')} req/s`);
    }
  } finally {
    await stopAll();
  }
  report(lives, skipped);
}

function report(lives: Live[], skipped: Map<string, string>) {
  const byName = new Map(lives.map((l) => [l.target.name, l]));
  const perRound = (a: Live, b: Live, f: (r: Run) => number) => a.runs.map((r, i) => f(r) / f(b.runs[i] ?? ({} as Run)));
  const rows = lives.map(({ target, scenario, runs, poolExhausted }) => {
    const bare = target.bare ? byName.get(target.bare) : undefined;
    const xBare = bare ? perRound(byName.get(target.name)!, bare, (r) => r.requestsPerSec) : [];
    const non2xx = sum(runs.map((r) => r.status['3xx'] + r.status['4xx'] + r.status['5xx']));
    return {
      name: target.name,
      note: scenario.note,
      requestsPerSec: median(runs.map((r) => r.requestsPerSec)),
      p50: median(runs.map((r) => r.p50)),
      p99: median(runs.map((r) => r.p99)),
      cpu: median(runs.map((r) => r.cpu)),
      cpuPerRequestUs: median(runs.map((r) => r.cpuPerRequestUs)),
      xBare: median(xBare),
      requests: sum(runs.map((r) => r.requests)),
      non2xx,
      errors: sum(runs.map((r) => r.errors)),
      timeouts: sum(runs.map((r) => r.timeouts)),
      poolExhausted,
      rounds: runs,
    };
  });
  console.log(`\n${pad('target', 21)}${lpad('req/s', 8)}${lpad('p50 ms', 8)}${lpad('p99 ms', 8)}${lpad('cpu', 6)}${lpad('µs/req', 8)}${lpad('x bare', 8)}  problems`);
  for (const r of rows) {
    const problems = [r.non2xx ? `${r.non2xx} non-2xx` : '', r.errors ? `${r.errors} socket errors` : '', r.timeouts ? `${r.timeouts} timeouts` : '', r.poolExhausted ? 'TOKEN POOL EXHAUSTED: invalid, raise BENCH_POOL' : ''].filter(Boolean);
    console.log(`${pad(r.name, 21)}${lpad(fmt(r.requestsPerSec), 8)}${lpad(fmt(r.p50, 2), 8)}${lpad(fmt(r.p99, 2), 8)}${lpad(fmt(r.cpu, 2), 6)}${lpad(fmt(r.cpuPerRequestUs), 8)}${lpad(fmt(r.xBare, 3), 8)}  ${problems.join('; ')}`);
  }

  const goals = GOALS.map((g) => {
    const of = byName.get(g.of);
    const to = byName.get(g.to);
    const why = g.missing ?? skipped.get(g.of) ?? skipped.get(g.to) ?? (!of || !to ? 'not in this run' : undefined);
    if (why || !of || !to) return { ...g, ratio: Number.NaN, ratios: [] as number[], verdict: why ? `n/a: ${why}` : 'n/a' };
    const ratios = perRound(of, to, (r) => (g.measure === 'p99' ? r.p99 : r.requestsPerSec));
    const ratio = median(ratios);
    const verdict = g.min !== undefined ? (ratio >= g.min ? 'meets' : 'MISSES') : g.max !== undefined ? (ratio <= g.max ? 'meets' : 'MISSES') : '(for information)';
    return { ...g, ratio, ratios, verdict };
  });
  console.log(`\n${pad('goal (issue 13)', 74)}${lpad('ratio', 7)}  ${pad('per round', 16)} verdict`);
  for (const g of goals) {
    const bound = g.min !== undefined ? `>= ${g.min}` : g.max !== undefined ? `<= ${g.max}` : '';
    console.log(`${pad(g.goal, 74)}${lpad(fmt(g.ratio, 3), 7)}  ${pad(g.ratios.map((x) => fmt(x, 2)).join(' '), 16)} ${g.verdict}${bound && !g.verdict.startsWith('n/a') ? ` (${bound})` : ''}`);
  }
  console.log('\nreq/s, p50, p99 (wrk, per response), cpu, µs/req: medians over rounds. cpu: server CPU seconds per second while');
  console.log('measured (all its threads; 1.00 = one core). x bare: req/s over the bare node:http server of the same request shape,');
  console.log('per round, median. Goal ratios: req/s (or p99) of the first over the second, per round, median.');
  for (const r of rows) console.log(`  ${r.name}: ${r.note}`);

  if (profile) {
    for (const file of readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'))) console.log(`\n== ${file}\n${summarizeProfile(join(profileDir, file))}`);
  } else {
    const file = fullRun ? join(here, 'results.json') : join(work, 'results-partial.json');
    const record = { date: new Date().toISOString(), machine, generator, pinned: pin, synchronous, connections, threads, rounds, duration, warmup, results: rows, goals, skipped: Object.fromEntries(skipped) };
    writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
    console.log(`\nwrote ${file}${fullRun ? '' : ' (not a full run: bench/results.json is written only by all targets, >= 3 rounds of >= 5 s)'}`);
  }
  const invalid = rows.filter((r) => r.poolExhausted || r.non2xx || r.errors);
  if (invalid.length > 0) {
    console.log(`\ninvalid: ${invalid.map((r) => r.name).join(', ')} (errors, non-2xx answers or an exhausted token pool)`);
    process.exitCode = 1;
  }
}

/**
 * The soak: one shopauth server under the token (POD Shop) and the read load at once, a wrk for
 * each (half the connections each), for `seconds`; its RSS and SQLite files sampled every 10 s.
 */
async function soak(seconds: number) {
  const target = targets.find((t) => t.name === 'shopauth-soak')!;
  console.log(`soak: ${seconds}s of POD token + bearer read at once on one shopauth server, sampled every 10 s`);
  const { lives, stopAll } = await startAll([target]);
  const pod = lives[0]!;
  const read: Live = {
    ...pod,
    scenario: { ...pod.scenario, method: 'GET', path: `/malls/${seed.mallId}/api/v2/admin/products?limit=10`, headers: { authorization: `Bearer ${seed.accessToken}` } },
    runs: [],
  };
  const files = pod.scenario.files ?? [];
  const size = (f: string) => (existsSync(f) ? statSync(f).size : 0);
  const samples: { t: number; rssMb: number; dbMb: number; walMb: number }[] = [];
  const t0 = performance.now();
  const sample = async () => {
    const u = await pod.server.usage();
    samples.push({ t: Math.round((performance.now() - t0) / 1000), rssMb: u.rss / 2 ** 20, dbMb: size(files[0] ?? '') / 2 ** 20, walMb: size(files[1] ?? '') / 2 ** 20 });
    const s = samples.at(-1)!;
    console.log(`  t=${lpad(String(s.t), 4)}s  rss ${fmt(s.rssMb, 1)} MB  db ${fmt(s.dbMb, 2)} MB  wal ${fmt(s.walMb, 2)} MB`);
  };
  let windows: Window[] = [];
  try {
    await sample();
    const timer = setInterval(() => void sample(), 10_000);
    const half = Math.max(1, Math.floor(connections / 2));
    const o = (): LoadOptions => ({ connections: half, threads: 1, seconds, poolStart: 0, ...(pin ? { cpu: GENERATOR_CPU } : {}) });
    windows = await Promise.all(
      [pod, read].map((l) => (generator === 'wrk' ? wrk(l.scenario, o(), join(work, 'wrk', `soak-${l.scenario.path.length}`)) : autocannon(l.scenario, o()))),
    );
    clearInterval(timer);
    await sample();
  } finally {
    await stopAll();
  }
  const first = samples[0]!;
  const last = samples.at(-1)!;
  const mid = samples[Math.floor((samples.length - 1) / 2)]!;
  const perMin = (a: number, b: number, dt: number) => (dt > 0 ? ((b - a) / dt) * 60 : Number.NaN);
  const names = ['POD token', 'bearer read'];
  windows.forEach((w, i) => {
    const non2xx = w.status['3xx'] + w.status['4xx'] + w.status['5xx'];
    console.log(`${names[i]}: ${fmt(w.requestsPerSec)} req/s, p50 ${fmt(w.p50, 2)} ms, p99 ${fmt(w.p99, 2)} ms, ${w.requests} requests, ${non2xx} non-2xx, ${w.errors} errors, ${w.timeouts} timeouts`);
  });
  // Bounded: over the second half, a least-squares slope under 1% of the first-half peak per minute.
  const late = samples.filter((s) => s.t >= mid.t);
  const slope = (f: (s: (typeof samples)[number]) => number) => {
    const mt = late.reduce((a, s) => a + s.t, 0) / late.length;
    const mv = late.reduce((a, s) => a + f(s), 0) / late.length;
    const den = late.reduce((a, s) => a + (s.t - mt) ** 2, 0);
    return den > 0 ? (late.reduce((a, s) => a + (s.t - mt) * (f(s) - mv), 0) / den) * 60 : Number.NaN;
  };
  const verdict = (perMinute: number, f: (s: (typeof samples)[number]) => number) => {
    const peak = Math.max(...samples.filter((s) => s.t <= mid.t).map(f));
    return Number.isNaN(perMinute) ? 'n/a (too few samples)' : perMinute <= peak * 0.01 ? 'bounded (stopped growing)' : 'GROWING';
  };
  const rssSlope = slope((s) => s.rssMb);
  const fileSlope = slope((s) => s.dbMb + s.walMb);
  console.log(`rss: ${fmt(first.rssMb, 1)} -> ${fmt(last.rssMb, 1)} MB (max ${fmt(Math.max(...samples.map((s) => s.rssMb)), 1)}); second half ${fmt(rssSlope, 2)} MB/min (end to end ${fmt(perMin(mid.rssMb, last.rssMb, last.t - mid.t), 2)}): ${verdict(rssSlope, (s) => s.rssMb)}`);
  console.log(`sqlite db + wal: ${fmt(first.dbMb + first.walMb, 2)} -> ${fmt(last.dbMb + last.walMb, 2)} MB (wal max ${fmt(Math.max(...samples.map((s) => s.walMb)), 2)} MB); second half ${fmt(fileSlope, 2)} MB/min: ${verdict(fileSlope, (s) => s.dbMb + s.walMb)}`);
  const record = { date: new Date().toISOString(), machine, generator, pinned: pin, synchronous, seconds, connections, samples, windows: windows.map((w, i) => ({ path: names[i], ...w })) };
  writeFileSync(join(work, 'soak.json'), `${JSON.stringify(record, null, 2)}\n`);
  console.log(`wrote ${join(work, 'soak.json')}`);
}
