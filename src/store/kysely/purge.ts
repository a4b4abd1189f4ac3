import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { PurgeCounts, PurgeStore } from '../types.js';

/** What the purge deletes: each table, its key and the time column that ages a row out. */
const TABLES = [
  { table: 'auth_codes', key: 'code_hash', age: 'expires_at', into: 'codes' },
  { table: 'tokens', key: 'token_hash', age: 'expires_at', into: 'tokens' },
  { table: 'sessions', key: 'session_hash', age: 'expires_at', into: 'sessions' },
  { table: 'audit_events', key: 'id', age: 'at', into: 'audit' },
] as const;

/**
 * Deletes expired codes, tokens and sessions, and audit events past their retention, in batches
 * (issue 15, item 8): each statement deletes at most `batch` rows chosen by a sub-select, so a
 * large backlog never holds one long lock (on SQLite, the one writer) nor one huge transaction.
 * Alike on both dialects.
 */
export class KyselyPurge implements PurgeStore {
  constructor(private readonly db: Kysely<Database>) {}

  async expired(before: number, batch: number, auditBefore: number | null): Promise<PurgeCounts> {
    const counts: PurgeCounts = { codes: 0, tokens: 0, sessions: 0, audit: 0 };
    for (const { table, key, age, into } of TABLES) {
      const cutoff = into === 'audit' ? auditBefore : before;
      if (cutoff === null) continue;
      // The tables differ in their column names only; kysely cannot type a union of them.
      const db = this.db as unknown as Kysely<Record<string, Record<string, string | number>>>;
      for (;;) {
        const n = Number(
          (await db.deleteFrom(table).where(key, 'in', (eb) => eb.selectFrom(table).select(key).where(age, '<', cutoff).limit(batch)).executeTakeFirst()).numDeletedRows,
        );
        counts[into] += n;
        if (n < batch) break;
      }
    }
    return counts;
  }
}
