import type { WebhookDelivery, WebhookSubscription } from '../../store/webhook-types.js';
import { addSubscription, replayDelivery, subscriptionOf } from '../../webhooks/subscriptions.js';
import { arg, iso, openRegistry, parse, result, str, UsageError, type CliIO } from '../io.js';

const describe = (s: WebhookSubscription) => ({
  subscription_id: s.subscriptionId,
  client_id: s.clientId,
  dialect: s.dialect,
  endpoint_url: s.endpointUrl,
  event_types: s.eventTypes,
  status: s.status,
  failure_streak: s.failureStreak,
  disabled_at: iso(s.disabledAt),
  created_at: iso(s.createdAt),
});

const delivery = (d: WebhookDelivery) => ({
  delivery_id: d.deliveryId,
  event_id: d.eventId,
  mall_id: d.mallId,
  event_type: d.eventType,
  log_type: d.logType,
  status: d.status,
  attempts: d.attempts,
  next_attempt_at: iso(d.nextAttemptAt),
  last_status_code: d.lastStatusCode,
});

/** `shopauth webhooks add CLIENT_ID --url URL --events a,b [--dialect cafe24|pod]`: subscribes an app (docs/webhooks.md). */
export async function webhooksAdd(args: string[], io: CliIO): Promise<number> {
  const p = parse(args, { url: { type: 'string' }, events: { type: 'string' }, dialect: { type: 'string' } });
  const clientId = arg(p, 0, 'CLIENT_ID');
  const url = str(p, 'url');
  const events = str(p, 'events');
  if (!url || !events) throw new UsageError('webhooks add needs --url and --events');
  const dialect = str(p, 'dialect');
  if (dialect !== undefined && dialect !== 'cafe24' && dialect !== 'pod') throw new UsageError('--dialect is cafe24 or pod');
  const { store, deps } = await openRegistry({ db: str(p, 'db') });
  try {
    const sub = await addSubscription(deps, { clientId, endpointUrl: url, eventTypes: events.split(',').filter(Boolean), ...(dialect ? { dialect } : {}) });
    result(io, p.values.json as boolean, describe(sub), `subscribed ${clientId} to ${sub.eventTypes.join(',')} at ${sub.endpointUrl} (${sub.subscriptionId})`);
    return 0;
  } finally {
    await store.close();
  }
}

/** `shopauth webhooks list [CLIENT_ID]`: subscriptions, with their recent deliveries (--deliveries N). */
export async function webhooksList(args: string[], io: CliIO): Promise<number> {
  const p = parse(args, { deliveries: { type: 'string' } });
  const clientId = p.positionals[0];
  const recent = Number(str(p, 'deliveries') ?? '5');
  if (!Number.isInteger(recent) || recent < 0 || recent > 100) throw new UsageError('--deliveries is 0 to 100');
  const { store } = await openRegistry({ db: str(p, 'db') });
  try {
    const subs = await store.webhooks.listSubscriptions(clientId);
    const out = [];
    for (const s of subs) {
      const ds = recent === 0 ? [] : await store.webhooks.listDeliveries({ subscriptionId: s.subscriptionId, limit: recent });
      out.push({ ...describe(s), deliveries: ds.map(delivery) });
    }
    const human = out.length === 0
      ? 'no webhook subscriptions'
      : out
          .map((s) => [`${s.subscription_id}  ${s.client_id}  ${s.status}  ${s.dialect}  ${s.endpoint_url}  ${s.event_types.join(',')}`,
            ...s.deliveries.map((d) => `  ${d.delivery_id}  ${d.event_type}  ${d.log_type}  ${d.status}  attempts ${d.attempts}  ${d.last_status_code ?? '-'}`)].join('\n'))
          .join('\n');
    result(io, p.values.json as boolean, { subscriptions: out }, human);
    return 0;
  } finally {
    await store.close();
  }
}

/** `shopauth webhooks remove SUBSCRIPTION_ID`. */
export async function webhooksRemove(args: string[], io: CliIO): Promise<number> {
  const p = parse(args, {});
  const id = arg(p, 0, 'SUBSCRIPTION_ID');
  const { store } = await openRegistry({ db: str(p, 'db') });
  try {
    const sub = await subscriptionOf(store, id);
    await store.webhooks.removeSubscription(id);
    result(io, p.values.json as boolean, { removed: describe(sub) }, `removed webhook subscription ${id} of ${sub.clientId}`);
    return 0;
  } finally {
    await store.close();
  }
}

/** `shopauth webhooks replay DELIVERY_ID`: the delivery again (log_type R), due now; a running server sends it. */
export async function webhooksReplay(args: string[], io: CliIO): Promise<number> {
  const p = parse(args, {});
  const id = arg(p, 0, 'DELIVERY_ID');
  const { store, deps } = await openRegistry({ db: str(p, 'db') });
  try {
    const again = await replayDelivery(deps, id);
    result(io, p.values.json as boolean, delivery(again), `queued ${again.deliveryId} (replay of ${id}); the server's worker sends it`);
    return 0;
  } finally {
    await store.close();
  }
}
