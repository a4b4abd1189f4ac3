import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import { syncReadsOf } from './sqlite.js';

/**
 * How a dialect serializes the changes to one token family (docs/store.md, "Lock order") and
 * which of its errors mean "run the whole transaction again".
 */
export interface Locking {
  /** `SELECT ... FOR UPDATE` or `FOR SHARE` where rows can be locked; the query as is elsewhere. */
  rows<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>, mode: 'update' | 'share'): SelectQueryBuilder<DB, TB, O>;
  /** A lock on `key` held until the transaction ends. */
  key<DB>(db: Kysely<DB>, key: string): Promise<void>;
  /** A serialization failure, a deadlock or a busy database: safe to retry the transaction. */
  retryable(error: unknown): boolean;
}

const codeOf = (error: unknown): string => String((error as { code?: unknown } | null)?.code ?? '');

/**
 * PostgreSQL (READ COMMITTED): row locks, and a transaction advisory lock on a 64-bit hash of the
 * key (pg_advisory_xact_lock, released at COMMIT or ROLLBACK). 40001 serialization_failure and
 * 40P01 deadlock_detected abort the transaction and may be retried (PostgreSQL manual, 13.4).
 */
const postgres: Locking = {
  rows: (query, mode) => (mode === 'update' ? query.forUpdate() : query.forShare()),
  key: async (db, key) => {
    await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(db);
  },
  retryable: (error) => ['40001', '40P01'].includes(codeOf(error)),
};

/**
 * SQLite: every write transaction begins with `BEGIN IMMEDIATE` (dialects/sqlite.ts), which takes
 * the database's one write lock, and units of work run one at a time: every transaction that
 * writes is already serialized, so there is nothing more to lock. SQLITE_BUSY (and its
 * _SNAPSHOT, _TIMEOUT variants) means another process kept the lock past the busy timeout.
 */
const sqlite: Locking = {
  rows: (query) => query,
  key: async () => {},
  retryable: (error) => codeOf(error).startsWith('SQLITE_BUSY'),
};

/** The locking of the dialect behind `db`. */
export const lockingOf = <DB>(db: Kysely<DB>): Locking => (syncReadsOf(db.getExecutor().adapter) ? sqlite : postgres);
