/**
 * Webhook storage (issue 12, migration 015, docs/webhooks.md): subscriptions, the mall's
 * reception setting, the outbox of events, deliveries with their schedule and lease, attempts.
 * Times are epoch ms.
 */
export type WebhookDialect = 'cafe24' | 'pod';

export interface WebhookSubscription {
  subscriptionId: string;
  clientId: string;
  /** The body and header shape the app receives (webhooks/events.ts). */
  dialect: WebhookDialect;
  /** https, or http on a loopback host (development). */
  endpointUrl: string;
  /** Event types of webhooks/events.ts, e.g. order.created. */
  eventTypes: string[];
  /** 'disabled' after a run of dead deliveries (webhooks/worker.ts); enabling again resets the run. */
  status: 'enabled' | 'disabled';
  /** Dead deliveries in a row since the last delivered one. */
  failureStreak: number;
  disabledAt: number | null;
  createdAt: number;
}

/** An event of the outbox, written in the transaction of the change it reports. */
export interface WebhookEvent {
  eventId: string;
  mallId: string;
  type: string;
  /** The resource as the event reports it (webhooks/events.ts renders it per dialect). */
  data: Record<string, unknown>;
  occurredAt: number;
}

/** Cafe24 log_type: G a normal delivery, R sent again (replay), T a test event. */
export type LogType = 'G' | 'R' | 'T';

export type DeliveryStatus = 'pending' | 'delivered' | 'dead' | 'cancelled';

export interface WebhookDelivery {
  deliveryId: string;
  eventId: string;
  subscriptionId: string;
  clientId: string;
  mallId: string;
  eventType: string;
  logType: LogType;
  /** The exact JSON body posted, the same on every attempt (signatures cover it). */
  body: string;
  status: DeliveryStatus;
  attempts: number;
  maxAttempts: number;
  nextAttemptAt: number;
  claimedBy: string | null;
  claimExpiresAt: number | null;
  lastStatusCode: number | null;
  lastLatencyMs: number | null;
  lastError: string | null;
  createdAt: number;
  finishedAt: number | null;
}

export type AttemptOutcome = 'ok' | 'http_error' | 'timeout' | 'network_error';

export interface WebhookAttempt {
  deliveryId: string;
  attemptNo: number;
  startedAt: number;
  outcome: AttemptOutcome;
  statusCode: number | null;
  latencyMs: number;
  /** The receiver's answer, cut to 1000 characters. */
  responseBody: string | null;
  error: string | null;
}

/** What an attempt came to, and what follows: the next try at `retryAt`, or none (dead). */
export interface AttemptResult {
  attempt: Omit<WebhookAttempt, 'deliveryId' | 'attemptNo'>;
  /** When to try again after a failure; null: this was the last try. Ignored on success. */
  retryAt: number | null;
  /** A subscription is disabled once this many deliveries in a row are dead. */
  disableAfter: number;
}

export interface DeliveryFilter {
  subscriptionId?: string;
  mallId?: string;
  clientId?: string;
  status?: DeliveryStatus;
  logType?: LogType;
  since?: number;
  until?: number;
  limit: number;
  offset?: number;
}

/** Deliveries by outcome and queue depth (metrics). */
export interface DeliveryCounts {
  pending: number;
  due: number;
  delivered: number;
  dead: number;
  cancelled: number;
}

/** A subscription the mall's event goes to, with the scopes the app holds in that mall. */
export interface WebhookTarget {
  subscription: WebhookSubscription;
  scopes: string[];
}

export interface WebhookStore {
  addSubscription(s: WebhookSubscription): Promise<void>;
  getSubscription(subscriptionId: string): Promise<WebhookSubscription | undefined>;
  /** Of one app, or every one; oldest first. */
  listSubscriptions(clientId?: string): Promise<WebhookSubscription[]>;
  removeSubscription(subscriptionId: string): Promise<boolean>;
  /** Enables (resetting the failure run) or disables a subscription. */
  setSubscriptionStatus(subscriptionId: string, status: 'enabled' | 'disabled', now: number): Promise<boolean>;
  /**
   * Enabled subscriptions of apps installed in the mall (a live grant of a live app, or live API
   * credentials bound to the mall), with the union of the scopes granted there.
   */
  targets(mallId: string): Promise<WebhookTarget[]>;
  /** Cafe24 reception_status; 'T' until set. */
  reception(mallId: string): Promise<'T' | 'F'>;
  setReception(mallId: string, status: 'T' | 'F', now: number): Promise<void>;
  /** Writes the event and its deliveries (call it in the change's transaction). */
  enqueue(event: WebhookEvent, deliveries: WebhookDelivery[]): Promise<void>;
  getEvent(eventId: string): Promise<WebhookEvent | undefined>;
  addDelivery(delivery: WebhookDelivery): Promise<void>;
  getDelivery(deliveryId: string): Promise<WebhookDelivery | undefined>;
  /** Newest first. */
  listDeliveries(filter: DeliveryFilter): Promise<WebhookDelivery[]>;
  attempts(deliveryId: string): Promise<WebhookAttempt[]>;
  /**
   * Claims up to `limit` pending deliveries due at `now` whose claim is free or expired, for
   * `workerId` until `now + leaseMs`, atomically: of concurrent claimers exactly one gets each
   * (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one writer). Oldest due first.
   */
  claim(workerId: string, now: number, limit: number, leaseMs: number): Promise<WebhookDelivery[]>;
  /**
   * Records an attempt of a delivery `workerId` still holds: delivered, scheduled again, or dead
   * (then the subscription's failure run grows and may disable it). False if the claim was lost.
   */
  finish(deliveryId: string, workerId: string, result: AttemptResult): Promise<{ status: DeliveryStatus; disabled: boolean } | false>;
  /** Cancels a claimed delivery that must not go out any more (the app was uninstalled). */
  cancel(deliveryId: string, now: number): Promise<void>;
  /** Cancels every pending delivery of the app in the mall except of events of `exceptType`. */
  cancelPending(mallId: string, clientId: string, now: number, exceptType: string): Promise<number>;
  counts(now: number): Promise<DeliveryCounts>;
}
