import type { Kysely } from 'kysely';

// Timestamps are epoch milliseconds in BIGINT; lists are JSON text (see store/schema.ts).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('malls')
    .addColumn('mall_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('timezone', 'varchar(64)', (c) => c.notNull())
    .addColumn('shop_no', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('operators')
    .addColumn('mall_id', 'varchar(64)', (c) => c.notNull().references('malls.mall_id').onDelete('cascade'))
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('password_hash', 'varchar(255)', (c) => c.notNull())
    .addColumn('user_type', 'varchar(1)', (c) => c.notNull())
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('operators_pk', ['mall_id', 'user_id'])
    .execute();
  await db.schema
    .createTable('apps')
    .addColumn('client_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('secret_hash', 'varchar(128)')
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('mall_id', 'varchar(64)', (c) => c.references('malls.mall_id').onDelete('cascade'))
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('app_url', 'varchar(2048)', (c) => c.notNull())
    .addColumn('redirect_uris', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('client_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('rate_limit', 'varchar(32)')
    .addColumn('api_version', 'varchar(10)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema
    .createTable('grants')
    .addColumn('grant_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('mall_id', 'varchar(64)', (c) => c.notNull().references('malls.mall_id').onDelete('cascade'))
    .addColumn('client_id', 'varchar(64)', (c) => c.notNull().references('apps.client_id').onDelete('cascade'))
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addUniqueConstraint('grants_mall_client_user', ['mall_id', 'client_id', 'user_id'])
    .execute();
  await db.schema
    .createTable('auth_codes')
    .addColumn('code_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('mall_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('client_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('grant_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('family_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('redirect_uri', 'varchar(2048)', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('code_challenge', 'varchar(128)')
    .addColumn('code_challenge_method', 'varchar(16)')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('consumed_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('tokens')
    .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('mall_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('client_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('grant_id', 'varchar(64)')
    .addColumn('family_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('jti', 'varchar(64)')
    .addColumn('issued_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('rotated_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('tokens_family').on('tokens').column('family_id').execute();
  await db.schema.createIndex('tokens_grant').on('tokens').column('grant_id').execute();
  await db.schema.createIndex('tokens_jti').on('tokens').column('jti').execute();
  await db.schema
    .createTable('sessions')
    .addColumn('session_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('mall_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('settings')
    .addColumn('key', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}
