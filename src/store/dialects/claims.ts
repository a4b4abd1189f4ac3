import type { SelectQueryBuilder } from 'kysely';

/**
 * Claiming queued work (webhook deliveries) when several servers share one database. PostgreSQL:
 * the candidate rows are locked `FOR UPDATE SKIP LOCKED`, so concurrent claimers take disjoint
 * rows without waiting on each other, and hold them until the claim commits. SQLite has one
 * writer: the select and the claiming UPDATE ... RETURNING run in one transaction that nothing
 * else interleaves with, so the select needs no lock (SQLite has no row locks).
 */
export function lockCandidates<DB, TB extends keyof DB, O>(
  dialect: 'sqlite' | 'postgres',
  query: SelectQueryBuilder<DB, TB, O>,
): SelectQueryBuilder<DB, TB, O> {
  return dialect === 'postgres' ? query.forUpdate().skipLocked() : query;
}
