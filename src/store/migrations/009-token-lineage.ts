import type { Kysely } from 'kysely';

/**
 * The refresh grace window's one retry (issue 15, item 6; docs/store.md):
 * - `parent_hash`: the refresh token a pair was rotated from (null for a pair from a code or a
 *   credentials login), so a grace retry can find and revoke the first successor;
 * - `retried_at`: set on a rotated refresh token when its one grace retry is spent.
 * Found through the family (tokens_family), so no index of their own.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('tokens').addColumn('parent_hash', 'text').execute();
  await db.schema.alterTable('tokens').addColumn('retried_at', 'bigint').execute();
}
