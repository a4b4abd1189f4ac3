import type { Kysely } from 'kysely';

/**
 * Webhooks (issue 12, docs/webhooks.md): subscriptions per app (endpoint, event types, dialect,
 * enabled or disabled after a run of failures), the mall's reception setting (Cafe24
 * `reception_status`), the outbox of events (written in the transaction of the change they
 * report), one delivery per (event, subscription) with its schedule and lease, and every attempt.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('webhook_subscriptions')
    .addColumn('subscription_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('client_id', 'varchar(64)', (c) => c.notNull().references('apps.client_id').onDelete('cascade'))
    .addColumn('dialect', 'varchar(16)', (c) => c.notNull())
    .addColumn('endpoint_url', 'varchar(2048)', (c) => c.notNull())
    .addColumn('event_types', 'text', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('failure_streak', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('disabled_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhook_subscriptions_client').on('webhook_subscriptions').column('client_id').execute();
  await db.schema
    .createTable('webhook_mall_settings')
    .addColumn('mall_id', 'varchar(64)', (c) => c.primaryKey().references('malls.mall_id').onDelete('cascade'))
    .addColumn('reception_status', 'varchar(1)', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('webhook_events')
    .addColumn('event_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('mall_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('type', 'varchar(64)', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('delivery_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('event_id', 'varchar(64)', (c) => c.notNull().references('webhook_events.event_id').onDelete('cascade'))
    .addColumn('subscription_id', 'varchar(64)', (c) => c.notNull().references('webhook_subscriptions.subscription_id').onDelete('cascade'))
    .addColumn('client_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('mall_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('event_type', 'varchar(64)', (c) => c.notNull())
    .addColumn('log_type', 'varchar(1)', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_by', 'varchar(64)')
    .addColumn('claim_expires_at', 'bigint')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_latency_ms', 'integer')
    .addColumn('last_error', 'varchar(200)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .execute();
  await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('webhook_deliveries_subscription').on('webhook_deliveries').columns(['subscription_id', 'created_at']).execute();
  await db.schema.createIndex('webhook_deliveries_mall').on('webhook_deliveries').columns(['mall_id', 'created_at']).execute();
  await db.schema
    .createTable('webhook_attempts')
    .addColumn('delivery_id', 'varchar(64)', (c) => c.notNull().references('webhook_deliveries.delivery_id').onDelete('cascade'))
    .addColumn('attempt_no', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .addColumn('response_body', 'varchar(1000)')
    .addColumn('error', 'varchar(200)')
    .addPrimaryKeyConstraint('webhook_attempts_pk', ['delivery_id', 'attempt_no'])
    .execute();
}
