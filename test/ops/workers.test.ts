import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, describe, expect, test } from 'vitest';
import { pgSchemaUrl } from '../support/dialects.js';
import { apiStatus, obtainFrom, seedByCli, serve, type Served } from './support.js';

/**
 * `serve --workers 2` (docs/operations.md) on SQLite (one file, WAL) and on PostgreSQL: two
 * processes answer on one port; the metrics are the whole cluster's; a worker killed with
 * SIGKILL is replaced (a new pid) while the service keeps answering; SIGTERM to the primary
 * stops every worker gracefully and exits 0.
 */
const SECRET = 'workers-test-server-key-0123456789';
const running: Served[] = [];
const drops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const s of running) await s.stop('SIGKILL');
  for (const drop of drops) await drop();
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const DBS = [
  { name: 'sqlite', open: () => ({ url: join(mkdtempSync(join(tmpdir(), 'shopauth-workers-')), 'shop.db'), drop: async () => {} }) },
  { name: 'postgres', open: pgSchemaUrl },
] as const;

describe.each(DBS)('serve --workers 2 on $name', (dialect) => {
  test('two workers on one port, cluster-wide metrics, a killed worker is replaced, SIGTERM stops all with exit 0', async () => {
    const { url: db, drop } = dialect.open();
    drops.push(drop);
    const env = { SHOPAUTH_SECRET: SECRET, SHOPAUTH_DB: db };
    const client = await seedByCli(db);
    const s = await serve(['--workers', '2', '--rate-limit', 'off', '--token-rate-limit', 'off'], { ...env, SHOPAUTH_LOG_LEVEL: 'warn' }, { workers: 2 });
    running.push(s);
    const pids = s.lines.map((l) => /worker (\d+) \(pid (\d+)\) listening \[(jobs|http)\]/.exec(l)).filter((m) => m !== null).map((m) => ({ id: Number(m[1]), pid: Number(m[2]), role: m[3] }));
    expect(pids.map((p) => p.role).sort()).toEqual(['http', 'jobs']);
    expect(new Set(pids.map((p) => p.pid)).size).toBe(2);

    // The browser flow and the code exchange cross workers (round-robin): state is in the store.
    const pair = await obtainFrom(s, client);
    const statuses = await Promise.all(Array.from({ length: 20 }, () => apiStatus(s.url, pair.access_token)));
    expect(statuses).toEqual(Array(20).fill(200));

    // /metrics sums every worker's registry: the 20 API calls above, wherever they landed.
    const text = await (await fetch(`${s.url}/metrics`)).text();
    const families = parsePrometheusTextFormat(text) as { name: string; metrics: { value: string; labels?: Record<string, string> }[] }[];
    const requests = families.find((f) => f.name === 'shopauth_http_requests_total')!.metrics;
    const store = requests.find((m) => m.labels?.route === '/malls/:mall_id/api/v2/admin/store' && m.labels.status === '200');
    expect(Number(store?.value)).toBe(20);
    const issued = families.find((f) => f.name === 'shopauth_tokens_issued_total')!.metrics;
    expect(issued).toEqual([{ value: '1', labels: { grant: 'authorization_code', dialect: 'cafe24' } }]);
    expect(families.some((f) => f.name === 'process_resident_memory_bytes')).toBe(true);
    expect(families.find((f) => f.name === 'shopauth_shared_state_up')!.metrics).toEqual([{ value: '1' }]);

    // SIGKILL one worker: the primary says so, the other keeps answering, a new worker appears.
    const victim = pids.find((p) => p.role === 'http')!;
    const from = s.lines.length;
    process.kill(victim.pid, 'SIGKILL');
    await s.waitFor(new RegExp(`worker ${victim.id} \\(pid ${victim.pid}\\) exited \\(SIGKILL\\); starting a new http worker`), from);
    expect(await Promise.all(Array.from({ length: 10 }, () => apiStatus(s.url, pair.access_token)))).toEqual(Array(10).fill(200));
    const replaced = await s.waitFor(/worker (\d+) \(pid (\d+)\) listening \[http\]/, from);
    const newPid = Number(replaced[2]);
    expect(pids.map((p) => p.pid)).not.toContain(newPid);
    expect(alive(newPid)).toBe(true);
    expect(await Promise.all(Array.from({ length: 10 }, () => apiStatus(s.url, pair.access_token)))).toEqual(Array(10).fill(200));
    const ready = await fetch(`${s.url}/readyz`);
    expect(ready.status).toBe(200);

    // SIGTERM to the primary: every worker stops gracefully, exit code 0.
    const exit = await s.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    const jobsPid = pids.find((p) => p.role === 'jobs')!.pid;
    expect([alive(jobsPid), alive(newPid)]).toEqual([false, false]);
    expect(s.lines).toContain('shopauth: stopping 2 workers');
  }, 180_000);
});
