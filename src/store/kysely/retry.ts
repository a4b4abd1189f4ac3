import type { Kysely } from 'kysely';
import { lockingOf } from '../dialects/locking.js';
import { StoreBusyError } from '../types.js';

/** Tries per transaction (docs/store.md, "Retries"). */
const ATTEMPTS = 5;
const BASE_MS = 5;

/**
 * Runs a whole transaction, and runs it again when the database aborted it with an error its
 * dialect calls retryable (dialects/locking.ts: PostgreSQL 40001/40P01, SQLITE_BUSY), after a
 * jittered exponential pause (5, 10, 20, 40 ms at most). After the last try: StoreBusyError,
 * which the HTTP layer answers 503 with Retry-After, never 500. `run` must start a transaction
 * of its own each time: a retried function sees none of the failed try's writes.
 */
export async function retrying<T, DB>(db: Kysely<DB>, run: () => Promise<T>): Promise<T> {
  const locking = lockingOf(db);
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!locking.retryable(error)) throw error;
      if (attempt >= ATTEMPTS) throw new StoreBusyError(error);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * BASE_MS * 2 ** (attempt - 1)));
    }
  }
}
