import type { Kysely } from 'kysely';

/**
 * Signing keys of JWT access tokens (RFC 9068). The private JWK is sealed with AES-256-GCM under a
 * key derived from the server key (oauth/tokens/signing-keys.ts); only the public JWK is in clear.
 * A key is active while retired_at is null and stays published until its tokens have expired.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('alg', 'varchar(16)', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('private_jwk', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('retired_at', 'bigint')
    .execute();
}
