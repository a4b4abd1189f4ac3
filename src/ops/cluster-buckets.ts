import type { Worker } from 'node:cluster';
import type { BucketLimit, BucketResult, LeakyBucket } from '../shared-state/leaky-bucket.js';
import { MemoryLeakyBucket } from '../shared-state/memory.js';
import { SharedStateUnavailable } from '../shared-state/redis.js';

/**
 * `serve --workers N` without Redis (docs/operations.md): the rate-limit buckets, the token
 * endpoint limits and the sign-in throttles live in the primary's memory, and every worker pours
 * into them over the cluster's IPC channel. So N workers enforce one limit, not N times it, and a
 * worker that is restarted does not reset a throttle. With Redis, Redis holds them instead.
 */
const REQ = 'shopauth:bucket-req';
const RES = 'shopauth:bucket-res';
/** Like Redis's command timeout: a primary that does not answer fails closed (503), never hangs. */
const TIMEOUT_MS = 2000;

type BucketCall =
  | { op: 'take'; key: string; limit: BucketLimit; nowMs: number; cost: number }
  | { op: 'reset'; key: string }
  | { op: 'ping' };
type Request = BucketCall & { type: typeof REQ; id: number };
type Reply = { type: typeof RES; id: number; result?: BucketResult; error?: string };

/** In a worker: a LeakyBucket whose state is the primary's (see serveBuckets). */
export class ClusterLeakyBucket implements LeakyBucket {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private readonly onMessage = (message: unknown) => {
    const m = message as Partial<Reply> | null;
    if (m?.type !== RES || typeof m.id !== 'number') return;
    const waiting = this.pending.get(m.id);
    if (!waiting) return;
    this.pending.delete(m.id);
    clearTimeout(waiting.timer);
    if (this.pending.size === 0) process.off('message', this.onMessage);
    if (m.error !== undefined) waiting.reject(new SharedStateUnavailable(`the primary's buckets failed: ${m.error}`));
    else waiting.resolve(m as Reply);
  };

  async take(key: string, limit: BucketLimit, nowMs: number, cost = 1): Promise<BucketResult> {
    const reply = await this.ask({ op: 'take', key, limit, nowMs, cost });
    if (!reply.result) throw new SharedStateUnavailable('the primary answered without a bucket result');
    return reply.result;
  }

  async reset(key: string): Promise<void> {
    await this.ask({ op: 'reset', key });
  }

  async ping(): Promise<void> {
    await this.ask({ op: 'ping' });
  }

  async close(): Promise<void> {
    for (const [id, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new SharedStateUnavailable('closed'));
      this.pending.delete(id);
    }
    process.off('message', this.onMessage);
  }

  private ask(call: BucketCall): Promise<Reply> {
    return new Promise((resolve, reject) => {
      if (!process.send || !process.connected) return reject(new SharedStateUnavailable('no channel to the primary'));
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        if (this.pending.size === 0) process.off('message', this.onMessage);
        reject(new SharedStateUnavailable(`the primary did not answer within ${TIMEOUT_MS} ms`));
      }, TIMEOUT_MS);
      // Listens only while a call waits: an idle listener would be one more per worker, forever.
      if (this.pending.size === 0) process.on('message', this.onMessage);
      this.pending.set(id, { resolve, reject, timer });
      process.send({ type: REQ, id, ...call } satisfies Request, undefined, undefined, (err: Error | null) => {
        if (!err) return;
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new SharedStateUnavailable(`cannot reach the primary: ${err.message}`));
      });
    });
  }
}

/**
 * In the primary: answers `worker`'s bucket calls from `buckets` (one MemoryLeakyBucket for the
 * whole cluster). Each call runs to completion before the next message is read, so a take is
 * atomic across the workers, as the Redis script is.
 */
export function serveBuckets(worker: Worker, buckets: MemoryLeakyBucket): void {
  worker.on('message', (message: Partial<Request> | null) => {
    if (message?.type !== REQ || typeof message.id !== 'number') return;
    const id = message.id;
    const call = message as Request;
    const done =
      call.op === 'take' ? buckets.take(call.key, call.limit, call.nowMs, call.cost) : call.op === 'reset' ? buckets.reset(call.key) : buckets.ping();
    done.then(
      (result) => worker.isConnected() && worker.send({ type: RES, id, ...(result ? { result } : {}) } satisfies Reply),
      (error: Error) => worker.isConnected() && worker.send({ type: RES, id, error: error.message } satisfies Reply),
    );
  });
}
