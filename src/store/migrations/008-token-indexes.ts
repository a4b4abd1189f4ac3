import type { Kysely } from 'kysely';

/**
 * Fewer index entries per token written (docs/performance.md): an opaque access token and every
 * refresh token have no jti, and the tokens of POD Shop credentials no grant, so those rows are
 * left out of the two indexes. Lookups name a value (`jti = ?`, `grant_id = ?`), which implies
 * IS NOT NULL, so SQLite and PostgreSQL still use the partial indexes for them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('tokens_jti').execute();
  await db.schema.createIndex('tokens_jti').on('tokens').column('jti').where('jti', 'is not', null).execute();
  await db.schema.dropIndex('tokens_grant').execute();
  await db.schema.createIndex('tokens_grant').on('tokens').column('grant_id').where('grant_id', 'is not', null).execute();
}
