import cluster, { type Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';
import client from 'prom-client';
import { MemoryLeakyBucket } from '../shared-state/memory.js';
import { serveBuckets } from './cluster-buckets.js';

/**
 * `serve --workers N` (docs/operations.md): a primary process forks N workers that share one
 * listening socket (node:cluster, round-robin). The primary serves nothing itself: it restarts a
 * worker that dies, stops them all on SIGTERM or SIGINT, and answers the workers' requests for
 * the cluster's metrics (prom-client's AggregatorRegistry asks every worker for its registry).
 * Without Redis it also holds the cluster's rate-limit buckets (ops/cluster-buckets.ts).
 *
 * Roles: exactly one worker is `jobs` (it also runs the background jobs, ops/jobs.ts); the others
 * are `http`. A replacement takes the role of the worker it replaces.
 */
export type WorkerRole = 'jobs' | 'http';

const ROLE_ENV = 'SHOPAUTH_WORKER_ROLE';
const METRICS_REQ = 'shopauth:metrics-req';
const METRICS_RES = 'shopauth:metrics-res';
/** A worker that dies within this long of its start counts as crashing: restarts back off. */
const STABLE_MS = 10_000;
const MAX_BACKOFF_MS = 30_000;

/** True in a worker of `serve --workers N`. */
export function inCluster(): boolean {
  return cluster.isWorker && process.env[ROLE_ENV] !== undefined;
}

/** This worker's role; a single process (no cluster) runs the jobs itself. */
export function workerRole(): WorkerRole {
  return process.env[ROLE_ENV] === 'http' ? 'http' : 'jobs';
}

/** In a worker: let the primary's aggregator read this registry. */
export function shareRegistry(registries: client.Registry[]): void {
  client.AggregatorRegistry.setRegistries(registries);
  // Constructing one adds the worker's listener for the primary's requests (prom-client's cluster.js).
  new client.AggregatorRegistry();
}

/** In a worker: the whole cluster's metrics as text, from the primary (which asks every worker). */
export function clusterMetricsText(timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const id = randomUUID();
    const timer = setTimeout(() => {
      process.off('message', onMessage);
      reject(new Error('the primary did not answer with the cluster metrics'));
    }, timeoutMs);
    const onMessage = (message: unknown) => {
      const m = message as { type?: string; id?: string; text?: string; error?: string };
      if (m?.type !== METRICS_RES || m.id !== id) return;
      clearTimeout(timer);
      process.off('message', onMessage);
      if (typeof m.text === 'string') resolve(m.text);
      else reject(new Error(m.error ?? 'no metrics'));
    };
    process.on('message', onMessage);
    process.send?.({ type: METRICS_REQ, id });
  });
}

export interface PrimaryOptions {
  workers: number;
  /** How long the workers get to stop after SIGTERM before they are killed (their own timeout plus a margin). */
  stopTimeoutMs: number;
  log: (line: string) => void;
}

/**
 * Runs the primary until SIGTERM or SIGINT: forks the workers, restarts any that exits (backing
 * off while they keep crashing), then stops them gracefully. Resolves with the exit code: 0 when
 * every worker stopped cleanly, 1 otherwise.
 */
export async function runPrimary(options: PrimaryOptions): Promise<number> {
  const aggregator = new client.AggregatorRegistry();
  const roles = new Map<Worker, { role: WorkerRole; startedAt: number }>();
  // One set of buckets for every worker, kept across restarts (used only without Redis).
  const buckets = new MemoryLeakyBucket();
  let stopping = false;
  let failures = 0;
  let clean = true;
  const fork = (role: WorkerRole) => {
    const worker = cluster.fork({ [ROLE_ENV]: role });
    roles.set(worker, { role, startedAt: Date.now() });
    serveBuckets(worker, buckets);
    worker.on('message', (message: { type?: string; id?: string }) => {
      if (message?.type !== METRICS_REQ) return;
      aggregator.clusterMetrics().then(
        (text) => worker.isConnected() && worker.send({ type: METRICS_RES, id: message.id, text }),
        (error: Error) => worker.isConnected() && worker.send({ type: METRICS_RES, id: message.id, error: error.message }),
      );
    });
    worker.once('listening', () => options.log(`shopauth: worker ${worker.id} (pid ${worker.process.pid}) listening [${role}]`));
  };
  const allExited = new Promise<void>((resolve) => {
    cluster.on('exit', (worker, code, signal) => {
      const info = roles.get(worker);
      roles.delete(worker);
      if (stopping) {
        if (code !== 0) {
          clean = false;
          options.log(`shopauth: worker ${worker.id} (pid ${worker.process.pid}) stopped with ${signal ?? `code ${code}`}`);
        }
        if (roles.size === 0) resolve();
        return;
      }
      const role = info?.role ?? 'http';
      failures = info && Date.now() - info.startedAt < STABLE_MS ? failures + 1 : 0;
      const delay = failures === 0 ? 0 : Math.min(MAX_BACKOFF_MS, 100 * 2 ** failures);
      options.log(`shopauth: worker ${worker.id} (pid ${worker.process.pid}) exited (${signal ?? `code ${code}`}); starting a new ${role} worker${delay ? ` in ${delay} ms` : ''}`);
      setTimeout(() => !stopping && fork(role), delay);
    });
  });
  for (let i = 0; i < options.workers; i++) fork(i === 0 ? 'jobs' : 'http');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  stopping = true;
  options.log(`shopauth: stopping ${roles.size} worker${roles.size === 1 ? '' : 's'}`);
  if (roles.size === 0) return 0;
  for (const worker of roles.keys()) worker.process.kill('SIGTERM');
  const deadline = setTimeout(() => {
    clean = false;
    for (const worker of roles.keys()) worker.process.kill('SIGKILL');
  }, options.stopTimeoutMs);
  await allExited;
  clearTimeout(deadline);
  return clean ? 0 : 1;
}
