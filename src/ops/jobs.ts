/**
 * Background jobs of `serve` (docs/operations.md): work that runs on a schedule beside the HTTP
 * server. In a cluster (`--workers N`) only the worker with the `jobs` role runs them
 * (ops/cluster.ts), so each job runs once per deployment of one primary; several primaries (boxes
 * behind a load balancer) each run one copy, so every job must stay correct when N copies run:
 * - purge (ops/purge.ts): idempotent: each pass deletes rows expired past the retention, in
 *   batches; two passes at once delete disjoint or already-deleted rows, never a live one.
 * A new job (e.g. webhook delivery) is one more entry in the list serve passes to `startJobs`,
 * and must claim its work in the store (a row lock or a lease), not rely on being the only copy.
 */
export interface BackgroundJob {
  readonly name: string;
  start(): void;
  /** Stops the schedule and waits for a pass in progress. */
  stop(): Promise<void>;
}

export interface RunningJobs {
  readonly names: string[];
  stop(): Promise<void>;
}

export function startJobs(jobs: BackgroundJob[]): RunningJobs {
  for (const job of jobs) job.start();
  return {
    names: jobs.map((j) => j.name),
    stop: async () => {
      await Promise.allSettled(jobs.map((j) => j.stop()));
    },
  };
}
