import type { FastifyRequest } from 'fastify';
import type { Query } from '../../api/resources.js';
import * as W from './webhook-schemas.js';
import {
  createSubscription, deleteSubscription, getSetting, listLogs, listSubscriptions, putSetting, resendLog, testSubscription, updateSubscription,
} from '../../api/webhooks.js';
import type { AppContext } from '../../app-context.js';
import type { ApiRoute } from './routes.js';

const one = (item: Record<string, unknown>, key: string) => ({ type: 'object', properties: { [key]: item } });
const list = (item: Record<string, unknown>, key: string) => ({ type: 'object', properties: { [key]: { type: 'array', items: item } } });

/**
 * The webhook routes of the Admin API (docs/webhooks.md), on the Admin API's one pipeline:
 * Cafe24's `webhooks/setting` and `webhooks/logs`, and the calling app's subscriptions.
 */
export function webhookApiRoutes(ctx: AppContext, route: (r: ApiRoute) => void): void {
  const deps = { store: ctx.store, clock: ctx.clock };
  const q = (req: FastifyRequest) => req.query as Query;
  const caller = (req: FastifyRequest) => req.guarded!.caller;
  const subId = (req: FastifyRequest) => (req.params as { subscription_id: string }).subscription_id;
  const tag = 'webhooks';

  route({
    method: 'GET', url: '/webhooks/setting', scope: 'mall.read_application', tag, summary: "The mall's webhook reception",
    querystring: W.settingQuery, response: one(W.settingSchema, 'webhook'),
    handler: (req) => getSetting(ctx.store, req.mall, caller(req), q(req)),
  });
  route({
    method: 'PUT', url: '/webhooks/setting', scope: 'mall.write_application', tag, summary: "Turn the mall's webhook reception on or off",
    body: W.settingBody, response: one(W.settingSchema, 'webhook'),
    handler: (req) => putSetting(deps, req.mall, caller(req), req.body as { shop_no?: number; request: { reception_status: 'T' | 'F' } }),
  });
  route({
    method: 'GET', url: '/webhooks/logs', scope: 'mall.read_application', tag, summary: "The calling app's webhook deliveries in the mall, newest first",
    querystring: W.logsQuery, response: list(W.logSchema, 'logs'),
    handler: (req) => listLogs(ctx.store, req.mall, caller(req), q(req)),
  });
  route({
    method: 'POST', url: '/webhooks/logs/:log_id/resend', scope: 'mall.write_application', tag, summary: 'Send a delivery again (log_type R)', status: 201,
    params: W.logIdParams, response: one(W.logSchema, 'log'),
    handler: (req) => resendLog(deps, req.mall, caller(req), (req.params as { log_id: string }).log_id),
  });
  route({
    method: 'GET', url: '/webhooks/subscriptions', scope: 'mall.read_application', tag, summary: "The calling app's webhook subscriptions",
    querystring: W.settingQuery, response: list(W.subscriptionSchema, 'subscriptions'),
    handler: (req) => listSubscriptions(ctx.store, req.mall, caller(req), q(req)),
  });
  route({
    method: 'POST', url: '/webhooks/subscriptions', scope: 'mall.write_application', tag, summary: 'Subscribe the calling app to events', status: 201,
    body: W.subscriptionCreateBody, response: one(W.subscriptionSchema, 'subscription'),
    handler: (req) => createSubscription(deps, req.mall, caller(req), req.body as Parameters<typeof createSubscription>[3]),
  });
  route({
    method: 'PUT', url: '/webhooks/subscriptions/:subscription_id', scope: 'mall.write_application', tag, summary: 'Enable or disable a subscription',
    params: W.subscriptionIdParams, body: W.subscriptionUpdateBody, response: one(W.subscriptionSchema, 'subscription'),
    handler: (req) => updateSubscription(deps, req.mall, caller(req), subId(req), req.body as { shop_no?: number; request: { status: 'enabled' | 'disabled' } }),
  });
  route({
    method: 'DELETE', url: '/webhooks/subscriptions/:subscription_id', scope: 'mall.write_application', tag, summary: 'Remove a subscription',
    params: W.subscriptionIdParams, querystring: W.settingQuery, response: one({ type: 'object', properties: { subscription_id: { type: 'string' } } }, 'subscription'),
    handler: (req) => deleteSubscription(ctx.store, req.mall, caller(req), subId(req), q(req)),
  });
  route({
    method: 'POST', url: '/webhooks/subscriptions/:subscription_id/test', scope: 'mall.write_application', tag, summary: 'Send a test event (log_type T) of this mall', status: 201,
    params: W.subscriptionIdParams, response: one(W.logSchema, 'log'),
    handler: (req) => testSubscription(deps, req.mall, caller(req), subId(req)),
  });
}
