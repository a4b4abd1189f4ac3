import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database } from '../schema.js';
import { lockCandidates } from '../dialects/claims.js';
import type {
  AttemptResult, DeliveryCounts, DeliveryFilter, DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookStore,
  WebhookSubscription, WebhookTarget,
} from '../webhook-types.js';
import { atomic, list } from './rows.js';

/** The webhook tables (migration 015), kept out of schema.ts: only this file reads them. */
interface SubscriptionsTable {
  subscription_id: string; client_id: string; dialect: 'cafe24' | 'pod'; endpoint_url: string; event_types: string;
  status: 'enabled' | 'disabled'; failure_streak: number; disabled_at: number | null; created_at: number;
}
interface MallSettingsTable { mall_id: string; reception_status: 'T' | 'F'; updated_at: number }
interface EventsTable { event_id: string; mall_id: string; type: string; data: string; occurred_at: number }
interface DeliveriesTable {
  delivery_id: string; event_id: string; subscription_id: string; client_id: string; mall_id: string; event_type: string;
  log_type: 'G' | 'R' | 'T'; body: string; status: DeliveryStatus; attempts: number; max_attempts: number; next_attempt_at: number;
  claimed_by: string | null; claim_expires_at: number | null; last_status_code: number | null; last_latency_ms: number | null;
  last_error: string | null; created_at: number; finished_at: number | null;
}
interface AttemptsTable {
  delivery_id: string; attempt_no: number; started_at: number; outcome: WebhookAttempt['outcome']; status_code: number | null;
  latency_ms: number; response_body: string | null; error: string | null;
}
type WebhookTables = {
  webhook_subscriptions: SubscriptionsTable;
  webhook_mall_settings: MallSettingsTable;
  webhook_events: EventsTable;
  webhook_deliveries: DeliveriesTable;
  webhook_attempts: AttemptsTable;
};
type Db = Kysely<Database & WebhookTables>;

const toSubscription = (r: Selectable<SubscriptionsTable>): WebhookSubscription => ({
  subscriptionId: r.subscription_id,
  clientId: r.client_id,
  dialect: r.dialect,
  endpointUrl: r.endpoint_url,
  eventTypes: list(r.event_types),
  status: r.status,
  failureStreak: Number(r.failure_streak),
  disabledAt: r.disabled_at === null ? null : Number(r.disabled_at),
  createdAt: Number(r.created_at),
});

const n = (v: number | null): number | null => (v === null ? null : Number(v));

const toDelivery = (r: Selectable<DeliveriesTable>): WebhookDelivery => ({
  deliveryId: r.delivery_id,
  eventId: r.event_id,
  subscriptionId: r.subscription_id,
  clientId: r.client_id,
  mallId: r.mall_id,
  eventType: r.event_type,
  logType: r.log_type,
  body: r.body,
  status: r.status,
  attempts: Number(r.attempts),
  maxAttempts: Number(r.max_attempts),
  nextAttemptAt: Number(r.next_attempt_at),
  claimedBy: r.claimed_by,
  claimExpiresAt: n(r.claim_expires_at),
  lastStatusCode: n(r.last_status_code),
  lastLatencyMs: n(r.last_latency_ms),
  lastError: r.last_error,
  createdAt: Number(r.created_at),
  finishedAt: n(r.finished_at),
});

const fromDelivery = (d: WebhookDelivery): DeliveriesTable => ({
  delivery_id: d.deliveryId,
  event_id: d.eventId,
  subscription_id: d.subscriptionId,
  client_id: d.clientId,
  mall_id: d.mallId,
  event_type: d.eventType,
  log_type: d.logType,
  body: d.body,
  status: d.status,
  attempts: d.attempts,
  max_attempts: d.maxAttempts,
  next_attempt_at: d.nextAttemptAt,
  claimed_by: d.claimedBy,
  claim_expires_at: d.claimExpiresAt,
  last_status_code: d.lastStatusCode,
  last_latency_ms: d.lastLatencyMs,
  last_error: d.lastError,
  created_at: d.createdAt,
  finished_at: d.finishedAt,
});

export class KyselyWebhooks implements WebhookStore {
  private readonly db: Db;

  constructor(db: Kysely<Database>, private readonly dialect: 'sqlite' | 'postgres') {
    this.db = db.withTables<WebhookTables>();
  }

  async addSubscription(s: WebhookSubscription): Promise<void> {
    await this.db
      .insertInto('webhook_subscriptions')
      .values({
        subscription_id: s.subscriptionId,
        client_id: s.clientId,
        dialect: s.dialect,
        endpoint_url: s.endpointUrl,
        event_types: JSON.stringify(s.eventTypes),
        status: s.status,
        failure_streak: s.failureStreak,
        disabled_at: s.disabledAt,
        created_at: s.createdAt,
      })
      .execute();
  }

  async getSubscription(subscriptionId: string): Promise<WebhookSubscription | undefined> {
    const r = await this.db.selectFrom('webhook_subscriptions').selectAll().where('subscription_id', '=', subscriptionId).executeTakeFirst();
    return r && toSubscription(r);
  }

  async listSubscriptions(clientId?: string): Promise<WebhookSubscription[]> {
    let q = this.db.selectFrom('webhook_subscriptions').selectAll();
    if (clientId !== undefined) q = q.where('client_id', '=', clientId);
    return (await q.orderBy('created_at').orderBy('subscription_id').execute()).map(toSubscription);
  }

  async removeSubscription(subscriptionId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('webhook_subscriptions').where('subscription_id', '=', subscriptionId).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  async setSubscriptionStatus(subscriptionId: string, status: 'enabled' | 'disabled', now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('webhook_subscriptions')
      .set(status === 'enabled' ? { status, failure_streak: 0, disabled_at: null } : { status, disabled_at: now })
      .where('subscription_id', '=', subscriptionId)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async targets(mallId: string): Promise<WebhookTarget[]> {
    const granted = await this.db
      .selectFrom('webhook_subscriptions as s')
      .innerJoin('apps as a', 'a.client_id', 's.client_id')
      .innerJoin('grants as g', 'g.client_id', 's.client_id')
      .selectAll('s')
      .select('g.scopes as granted')
      .where('s.status', '=', 'enabled')
      .where('a.revoked_at', 'is', null)
      .where('g.mall_id', '=', mallId)
      .where('g.revoked_at', 'is', null)
      .execute();
    // POD Shop API credentials are bound to one mall: installed there, with their own scopes.
    const credentials = await this.db
      .selectFrom('webhook_subscriptions as s')
      .innerJoin('apps as a', 'a.client_id', 's.client_id')
      .selectAll('s')
      .select('a.scopes as granted')
      .where('s.status', '=', 'enabled')
      .where('a.kind', '=', 'credentials')
      .where('a.mall_id', '=', mallId)
      .where('a.revoked_at', 'is', null)
      .execute();
    const byId = new Map<string, WebhookTarget>();
    for (const r of [...granted, ...credentials]) {
      const t = byId.get(r.subscription_id) ?? { subscription: toSubscription(r), scopes: [] };
      t.scopes = [...new Set([...t.scopes, ...list(r.granted)])];
      byId.set(r.subscription_id, t);
    }
    return [...byId.values()].sort((a, b) => a.subscription.createdAt - b.subscription.createdAt || a.subscription.subscriptionId.localeCompare(b.subscription.subscriptionId));
  }

  async reception(mallId: string): Promise<'T' | 'F'> {
    const r = await this.db.selectFrom('webhook_mall_settings').select('reception_status').where('mall_id', '=', mallId).executeTakeFirst();
    return r?.reception_status ?? 'T';
  }

  async setReception(mallId: string, status: 'T' | 'F', now: number): Promise<void> {
    await this.db
      .insertInto('webhook_mall_settings')
      .values({ mall_id: mallId, reception_status: status, updated_at: now })
      .onConflict((oc) => oc.column('mall_id').doUpdateSet({ reception_status: status, updated_at: now }))
      .execute();
  }

  enqueue(event: WebhookEvent, deliveries: WebhookDelivery[]): Promise<void> {
    return atomic(this.db as unknown as Kysely<Database>, async (tx) => {
      const db = tx as unknown as Db;
      await db
        .insertInto('webhook_events')
        .values({ event_id: event.eventId, mall_id: event.mallId, type: event.type, data: JSON.stringify(event.data), occurred_at: event.occurredAt })
        .execute();
      if (deliveries.length > 0) await db.insertInto('webhook_deliveries').values(deliveries.map(fromDelivery)).execute();
    });
  }

  async getEvent(eventId: string): Promise<WebhookEvent | undefined> {
    const r = await this.db.selectFrom('webhook_events').selectAll().where('event_id', '=', eventId).executeTakeFirst();
    return r && { eventId: r.event_id, mallId: r.mall_id, type: r.type, data: JSON.parse(r.data) as Record<string, unknown>, occurredAt: Number(r.occurred_at) };
  }

  async addDelivery(delivery: WebhookDelivery): Promise<void> {
    await this.db.insertInto('webhook_deliveries').values(fromDelivery(delivery)).execute();
  }

  async getDelivery(deliveryId: string): Promise<WebhookDelivery | undefined> {
    const r = await this.db.selectFrom('webhook_deliveries').selectAll().where('delivery_id', '=', deliveryId).executeTakeFirst();
    return r && toDelivery(r);
  }

  async listDeliveries(f: DeliveryFilter): Promise<WebhookDelivery[]> {
    let q = this.db.selectFrom('webhook_deliveries').selectAll();
    if (f.subscriptionId !== undefined) q = q.where('subscription_id', '=', f.subscriptionId);
    if (f.mallId !== undefined) q = q.where('mall_id', '=', f.mallId);
    if (f.clientId !== undefined) q = q.where('client_id', '=', f.clientId);
    if (f.status !== undefined) q = q.where('status', '=', f.status);
    if (f.logType !== undefined) q = q.where('log_type', '=', f.logType);
    if (f.since !== undefined) q = q.where('created_at', '>=', f.since);
    if (f.until !== undefined) q = q.where('created_at', '<', f.until);
    const rows = await q.orderBy('created_at', 'desc').orderBy('delivery_id', 'desc').limit(f.limit).offset(f.offset ?? 0).execute();
    return rows.map(toDelivery);
  }

  async attempts(deliveryId: string): Promise<WebhookAttempt[]> {
    const rows = await this.db.selectFrom('webhook_attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('attempt_no').execute();
    return rows.map((r) => ({
      deliveryId: r.delivery_id,
      attemptNo: Number(r.attempt_no),
      startedAt: Number(r.started_at),
      outcome: r.outcome,
      statusCode: n(r.status_code),
      latencyMs: Number(r.latency_ms),
      responseBody: r.response_body,
      error: r.error,
    }));
  }

  claim(workerId: string, now: number, limit: number, leaseMs: number): Promise<WebhookDelivery[]> {
    return atomic(this.db as unknown as Kysely<Database>, async (tx) => {
      const db = tx as unknown as Db;
      // Two statements in one transaction: the candidates, locked (PostgreSQL) so no other claimer
      // takes them, then the claim of exactly those. (One UPDATE ... WHERE id IN (SELECT ... LIMIT n
      // FOR UPDATE SKIP LOCKED) can claim more than n on PostgreSQL: the subquery may be rescanned.)
      const candidates = await lockCandidates(
        this.dialect,
        db
          .selectFrom('webhook_deliveries')
          .select('delivery_id')
          .where('status', '=', 'pending')
          .where('next_attempt_at', '<=', now)
          .where((eb) => eb.or([eb('claimed_by', 'is', null), eb('claim_expires_at', '<=', now)]))
          .orderBy('next_attempt_at')
          .orderBy('delivery_id')
          .limit(limit),
      ).execute();
      if (candidates.length === 0) return [];
      const rows = await db
        .updateTable('webhook_deliveries')
        .set({ claimed_by: workerId, claim_expires_at: now + leaseMs })
        .where('delivery_id', 'in', candidates.map((c) => c.delivery_id))
        .returningAll()
        .execute();
      return rows.map(toDelivery).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || a.deliveryId.localeCompare(b.deliveryId));
    });
  }

  finish(deliveryId: string, workerId: string, result: AttemptResult): Promise<{ status: DeliveryStatus; disabled: boolean } | false> {
    return atomic(this.db as unknown as Kysely<Database>, async (tx) => {
      const db = tx as unknown as Db;
      const held = await db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('delivery_id', '=', deliveryId)
        .where('claimed_by', '=', workerId)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (!held) return false;
      const a = result.attempt;
      const attemptNo = Number(held.attempts) + 1;
      const ok = a.outcome === 'ok';
      const status: DeliveryStatus = ok ? 'delivered' : result.retryAt === null || attemptNo >= Number(held.max_attempts) ? 'dead' : 'pending';
      const finished = status === 'pending' ? null : a.startedAt + a.latencyMs;
      await db
        .insertInto('webhook_attempts')
        .values({
          delivery_id: deliveryId, attempt_no: attemptNo, started_at: a.startedAt, outcome: a.outcome, status_code: a.statusCode,
          latency_ms: a.latencyMs, response_body: a.responseBody, error: a.error,
        })
        .execute();
      await db
        .updateTable('webhook_deliveries')
        .set({
          status,
          attempts: attemptNo,
          next_attempt_at: status === 'pending' ? result.retryAt! : Number(held.next_attempt_at),
          claimed_by: null,
          claim_expires_at: null,
          last_status_code: a.statusCode,
          last_latency_ms: a.latencyMs,
          last_error: a.error,
          finished_at: finished,
        })
        .where('delivery_id', '=', deliveryId)
        .execute();
      let disabled = false;
      if (status === 'delivered') {
        await db.updateTable('webhook_subscriptions').set({ failure_streak: 0 }).where('subscription_id', '=', held.subscription_id).execute();
      } else if (status === 'dead') {
        const sub = await db
          .updateTable('webhook_subscriptions')
          .set((eb) => ({ failure_streak: eb('failure_streak', '+', 1) }))
          .where('subscription_id', '=', held.subscription_id)
          .returning(['failure_streak', 'status'])
          .executeTakeFirst();
        if (sub && sub.status === 'enabled' && Number(sub.failure_streak) >= result.disableAfter) {
          await db.updateTable('webhook_subscriptions').set({ status: 'disabled', disabled_at: finished }).where('subscription_id', '=', held.subscription_id).execute();
          disabled = true;
        }
      }
      return { status, disabled };
    });
  }

  async cancel(deliveryId: string, now: number): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set({ status: 'cancelled', claimed_by: null, claim_expires_at: null, finished_at: now })
      .where('delivery_id', '=', deliveryId)
      .where('status', '=', 'pending')
      .execute();
  }

  async cancelPending(mallId: string, clientId: string, now: number, exceptType: string): Promise<number> {
    const r = await this.db
      .updateTable('webhook_deliveries')
      .set({ status: 'cancelled', claimed_by: null, claim_expires_at: null, finished_at: now })
      .where('mall_id', '=', mallId)
      .where('client_id', '=', clientId)
      .where('status', '=', 'pending')
      .where('event_type', '!=', exceptType)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async counts(now: number): Promise<DeliveryCounts> {
    const rows = await this.db
      .selectFrom('webhook_deliveries')
      .select(['status', sql<number>`count(*)`.as('n'), sql<number>`sum(case when next_attempt_at <= ${now} then 1 else 0 end)`.as('due')])
      .groupBy('status')
      .execute();
    const out: DeliveryCounts = { pending: 0, due: 0, delivered: 0, dead: 0, cancelled: 0 };
    for (const r of rows) {
      out[r.status] = Number(r.n);
      if (r.status === 'pending') out.due = Number(r.due);
    }
    return out;
  }
}
