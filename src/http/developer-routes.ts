import { pageErrors } from './pages.js';
import { ApiError } from '../errors.js';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { loginFailure, scopeItems } from '../console/authorize-pages.js';
import { scopeGroups } from '../console/scope-groups.js';
import type { AppContext } from '../app-context.js';
import { adoptApp, appsOf, deleteApp, ownedApp, registerApp, rotateSecret, sandboxOf, signInDeveloper, signUp, updateApp } from '../developer-center/developers.js';
import { OAuthError } from '../oauth/errors.js';
import type { LoginThrottle } from '../throttle/login-throttle.js';
import { RegistryError } from '../registry/registry.js';
import type { App, Developer } from '../store/types.js';
import { langOf, page, tr } from './pages.js';
import { DIALECT_EVENT_TYPES } from '../webhooks/events.js';
import { addSubscription, replayDelivery, sendTestEvent, subscriptionOf, WebhookInputError, WebhookNotFound } from '../webhooks/subscriptions.js';
import type { WebhookSubscription } from '../store/webhook-types.js';
import { formList, pageParams } from './params.js';
import { assertCsrf, csrfToken, DEVELOPER_REALM, DEVELOPER_SESSION_MALL, endSession, operatorRealmAt, sessionDeveloper, sessionId, startSession } from './session.js';

type AppParams = { Params: { client_id: string } };
type HookParams = { Params: { client_id: string; subscription_id: string } };
type ResendParams = { Params: { client_id: string; subscription_id: string; delivery_id: string } };

const BASE = '/developers';
const u = {
  home: BASE,
  login: `${BASE}/login`,
  signup: `${BASE}/signup`,
  logout: `${BASE}/logout`,
  newApp: `${BASE}/apps/new`,
  apps: `${BASE}/apps`,
  unowned: `${BASE}/unowned`,
  app: (id: string) => `${BASE}/apps/${encodeURIComponent(id)}`,
  edit: (id: string) => `${BASE}/apps/${encodeURIComponent(id)}/edit`,
  rotate: (id: string) => `${BASE}/apps/${encodeURIComponent(id)}/rotate`,
  remove: (id: string) => `${BASE}/apps/${encodeURIComponent(id)}/delete`,
  testRun: (id: string) => `${BASE}/apps/${encodeURIComponent(id)}/test-run`,
  adopt: (id: string) => `${BASE}/unowned/${encodeURIComponent(id)}/adopt`,
  hooks: (id: string) => `${BASE}/apps/${encodeURIComponent(id)}/webhooks`,
  hook: (id: string, sub: string) => `${BASE}/apps/${encodeURIComponent(id)}/webhooks/${encodeURIComponent(sub)}`,
};

/** How many recent deliveries a subscription's page lists. */
const RECENT_DELIVERIES = 50;
const utc = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}`;

/** The choices of the rotation form: how long the previous secret keeps working. */
const GRACES = { now: 0, hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000 } as const;

/**
 * The developer center at /developers (issue 11): sign up, sign in and out (the operator login's
 * throttling, CSRF and cookie rules, in its own session realm), the developer's apps, register,
 * edit, rotate the secret, delete, test run; platform admins adopt unowned apps.
 */
export function developerRoutes(ctx: AppContext, options: { throttle?: LoginThrottle } = {}): FastifyPluginAsync {
  return async (app) => {
    const config = { errors: pageErrors };
    const post = { config, bodyLimit: 64 * 1024 };
    const meta = (req: FastifyRequest) => ({ ip: req.ip, traceId: req.id });
    const csrf = (req: FastifyRequest, reply: FastifyReply) => csrfToken(ctx, sessionId(req, reply, DEVELOPER_REALM));
    const form = (req: FastifyRequest) => {
      const f = pageParams(req);
      assertCsrf(ctx, req, f.csrf_token, DEVELOPER_REALM);
      return f;
    };

    const nav = (req: FastifyRequest, d: Developer, current: string) => {
      const t = tr(req);
      const tabs: [string, string][] = [[u.home, t('dev.nav.apps')], [u.newApp, t('dev.nav.new')]];
      if (d.platformAdmin) tabs.push([u.unowned, t('dev.nav.unowned')]);
      return tabs.map(([href, label]) => ({ href, label, current: href === current }));
    };
    const devPage = (req: FastifyRequest, reply: FastifyReply, d: Developer, template: string, tab: string, data: object, status = 200) =>
      page(req, reply, status, template, { csrfToken: csrf(req, reply), logout: u.logout, who: `${d.name} <${d.email}>`, ...data }, nav(req, d, tab));

    const showLogin = (req: FastifyRequest, reply: FastifyReply, error?: string, status?: number) =>
      page(req, reply, status ?? (error ? 401 : 200), 'dev-login', { action: u.login, signup: u.signup, csrfToken: csrf(req, reply), error });
    const showSignup = (req: FastifyRequest, reply: FastifyReply, error?: string, values: Record<string, string> = {}) =>
      page(req, reply, error ? 400 : 200, 'dev-signup', { action: u.signup, login: u.home, csrfToken: csrf(req, reply), error, values });

    /** The signed-in developer, or undefined after showing the login page. */
    async function developer(req: FastifyRequest, reply: FastifyReply): Promise<Developer | undefined> {
      const d = await sessionDeveloper(ctx, req);
      if (!d) showLogin(req, reply, req.method === 'POST' ? tr(req)('login.expired') : undefined);
      return d;
    }

    const appFields = (req: FastifyRequest, f: Record<string, string>) => ({
      name: f.name ?? '',
      appUrl: (f.app_url ?? '').trim(),
      redirectUris: (f.redirect_uris ?? '').split(/\r?\n/).map((s) => s.trim()).filter(Boolean),
      scopes: formList(req, 'scope'),
    });
    const appForm = (req: FastifyRequest, reply: FastifyReply, d: Developer, p: { app?: App; values?: ReturnType<typeof appFields> & { public?: boolean }; error?: string; status?: number }) => {
      const v = p.values ?? (p.app ? { name: p.app.name, appUrl: p.app.appUrl, redirectUris: p.app.redirectUris, scopes: p.app.scopes, public: p.app.clientType === 'public' } : { name: '', appUrl: '', redirectUris: [], scopes: [], public: false });
      return devPage(req, reply, d, 'dev-app-form', p.app ? '' : u.newApp, {
        heading: p.app ? tr(req)('dev.edit.heading', { app: p.app.name }) : tr(req)('dev.new.heading'),
        action: p.app ? u.edit(p.app.clientId) : u.apps,
        editing: p.app !== undefined,
        cancel: p.app ? u.app(p.app.clientId) : u.home,
        values: { name: v.name, appUrl: v.appUrl, redirectUris: v.redirectUris.join('\n'), public: v.public === true },
        groups: scopeGroups(langOf(req), v.scopes),
        error: p.error,
      }, p.status ?? (p.error ? 400 : 200));
    };
    // Issue 12: a subscription disabled after a run of failures says so, on the app's page and its own.
    const hookView = (req: FastifyRequest, a: App, h: WebhookSubscription) => ({
      endpointUrl: h.endpointUrl, eventTypes: h.eventTypes, dialect: h.dialect, status: h.status, href: u.hook(a.clientId, h.subscriptionId),
      disabledNotice: h.status === 'disabled' && h.disabledAt !== null ? tr(req)('dev.hooks.disabled_notice', { when: `${utc(h.disabledAt)} UTC`, n: h.failureStreak }) : undefined,
    });
    const appPage = async (req: FastifyRequest, reply: FastifyReply, d: Developer, a: App, extra: { notice?: string; secret?: string; graceNote?: string; error?: string } = {}) =>
      devPage(req, reply, d, 'dev-app', '', {
        app: { name: a.name, clientId: a.clientId, appUrl: a.appUrl, redirectUris: a.redirectUris, confidential: a.clientType === 'confidential', scopes: scopeItems(langOf(req), a.scopes) },
        urls: { edit: u.edit(a.clientId), rotate: u.rotate(a.clientId), remove: u.remove(a.clientId), testRun: u.testRun(a.clientId) },
        hooks: { subscriptions: (await ctx.store.webhooks.listSubscriptions(a.clientId)).map((h) => hookView(req, a, h)), add: u.hooks(a.clientId), eventTypes: DIALECT_EVENT_TYPES.cafe24 },
        ...extra,
      }, extra.error ? 400 : 200);
    const hookPage = async (req: FastifyRequest, reply: FastifyReply, d: Developer, a: App, h: WebhookSubscription, notice?: string) => {
      const base = u.hook(a.clientId, h.subscriptionId);
      const deliveries = (await ctx.store.webhooks.listDeliveries({ subscriptionId: h.subscriptionId, limit: RECENT_DELIVERIES })).map((x) => ({
        id: x.deliveryId, at: utc(x.createdAt), eventType: x.eventType, logType: x.logType, status: x.status, attempts: x.attempts,
        code: x.lastStatusCode ?? (x.lastError ? x.lastError.slice(0, 60) : '-'), latency: x.lastLatencyMs === null ? '-' : `${x.lastLatencyMs} ms`,
        resend: `${base}/deliveries/${encodeURIComponent(x.deliveryId)}/resend`,
      }));
      return devPage(req, reply, d, 'dev-webhook', '', {
        app: { name: a.name }, back: u.app(a.clientId), hook: hookView(req, a, h), deliveries, notice,
        urls: { test: `${base}/test`, enable: `${base}/enable`, remove: `${base}/delete` },
      });
    };
    /** The developer's subscription of their app, or 404 (as for an app that is not theirs). */
    const ownedHook = async (d: Developer, clientId: string, subscriptionId: string) => {
      const a = await ownedApp(ctx, d, clientId);
      try {
        return { a, h: await subscriptionOf(ctx.store, subscriptionId, a.clientId) };
      } catch (error) {
        if (error instanceof WebhookNotFound) throw new ApiError('not_found', 'no such webhook subscription');
        throw error;
      }
    };
    const hookInput = <T>(fn: () => Promise<T>) =>
      fn().catch((error: unknown) => {
        if (error instanceof WebhookInputError) throw new OAuthError('invalid_request', error.message);
        if (error instanceof WebhookNotFound) throw new ApiError('not_found', error.message);
        throw error;
      });

    app.get(BASE, { config }, async (req, reply) => {
      const d = await developer(req, reply);
      if (!d) return reply;
      const apps = (await appsOf(ctx, d)).map((a) => ({ name: a.name, clientId: a.clientId, href: u.app(a.clientId), type: a.clientType }));
      return devPage(req, reply, d, 'dev-apps', u.home, { apps, newApp: u.newApp });
    });

    app.post(u.login, post, async (req, reply) => {
      const f = form(req);
      const result = await signInDeveloper(ctx, options.throttle, { email: f.email ?? '', password: f.password ?? '', ip: req.ip, traceId: req.id });
      if (!result.ok) {
        if (result.retryAfterSeconds !== undefined) reply.header('retry-after', String(result.retryAfterSeconds));
        return showLogin(req, reply, loginFailure(tr(req), result, 'dev.login.wrong'), result.status);
      }
      await startSession(ctx, req, reply, { mallId: DEVELOPER_SESSION_MALL, userId: result.operator.developerId }, DEVELOPER_REALM);
      return reply.redirect(u.home, 303);
    });

    app.get(u.signup, { config }, async (req, reply) => showSignup(req, reply));
    app.post(u.signup, post, async (req, reply) => {
      const f = form(req);
      // Sign-ups pour into the login throttle's address bucket too: no mass account creation.
      const verdict = options.throttle ? await options.throttle.attempt('@signup', f.email ?? '', req.ip) : { allowed: true as const };
      if (!verdict.allowed) {
        reply.header('retry-after', String(verdict.retryAfterSeconds));
        return page(req, reply, 429, 'dev-signup', { action: u.signup, login: u.home, csrfToken: csrf(req, reply), error: loginFailure(tr(req), { status: 429, retryAfterSeconds: verdict.retryAfterSeconds }), values: {} });
      }
      try {
        const d = await signUp({ store: ctx.store, clock: ctx.clock, hasher: ctx.hasher }, { email: f.email ?? '', name: f.name ?? '', password: f.password ?? '' });
        ctx.audit.record({ type: 'developer.signed_up', userId: d.email, ...meta(req) });
        await startSession(ctx, req, reply, { mallId: DEVELOPER_SESSION_MALL, userId: d.developerId }, DEVELOPER_REALM);
        return reply.redirect(u.home, 303);
      } catch (error) {
        if (!(error instanceof RegistryError)) throw error;
        const message = error.message === 'an account with this email exists' ? tr(req)('dev.exists') : error.message;
        return showSignup(req, reply, message, { email: f.email ?? '', name: f.name ?? '' });
      }
    });

    app.post(u.logout, post, async (req, reply) => {
      form(req);
      await endSession(ctx, req, reply, DEVELOPER_REALM);
      return reply.redirect(u.home, 303);
    });

    app.get(u.newApp, { config }, async (req, reply) => {
      const d = await developer(req, reply);
      return d ? appForm(req, reply, d, {}) : reply;
    });
    app.post(u.apps, post, async (req, reply) => {
      const f = form(req);
      const d = await developer(req, reply);
      if (!d) return reply;
      const values = { ...appFields(req, f), public: f.client_type === 'public' };
      try {
        const { app: a, clientSecret } = await registerApp(ctx, d, values, meta(req));
        // The secret is in this response only; only its hash (and a sealed copy for launches) is kept.
        return appPage(req, reply, d, a, { notice: tr(req)('dev.app.created'), ...(clientSecret ? { secret: clientSecret } : {}) });
      } catch (error) {
        if (error instanceof RegistryError) return appForm(req, reply, d, { values, error: error.message });
        throw error;
      }
    });

    app.get<AppParams>('/developers/apps/:client_id', { config }, async (req, reply) => {
      const d = await developer(req, reply);
      return d ? appPage(req, reply, d, await ownedApp(ctx, d, req.params.client_id)) : reply;
    });
    app.get<AppParams>('/developers/apps/:client_id/edit', { config }, async (req, reply) => {
      const d = await developer(req, reply);
      return d ? appForm(req, reply, d, { app: await ownedApp(ctx, d, req.params.client_id) }) : reply;
    });
    app.post<AppParams>('/developers/apps/:client_id/edit', post, async (req, reply) => {
      const f = form(req);
      const d = await developer(req, reply);
      if (!d) return reply;
      const current = await ownedApp(ctx, d, req.params.client_id);
      const values = appFields(req, f);
      try {
        const a = await updateApp(ctx, d, current.clientId, values, meta(req));
        return appPage(req, reply, d, a, { notice: tr(req)('dev.app.saved') });
      } catch (error) {
        if (error instanceof RegistryError) return appForm(req, reply, d, { app: current, values: { ...values, public: current.clientType === 'public' }, error: error.message });
        throw error;
      }
    });

    app.get<AppParams>('/developers/apps/:client_id/rotate', { config }, async (req, reply) => {
      const d = await developer(req, reply);
      if (!d) return reply;
      const a = await ownedApp(ctx, d, req.params.client_id);
      return devPage(req, reply, d, 'dev-rotate', '', { app: { name: a.name }, action: u.rotate(a.clientId), cancel: u.app(a.clientId) });
    });
    app.post<AppParams>('/developers/apps/:client_id/rotate', post, async (req, reply) => {
      const f = form(req);
      const d = await developer(req, reply);
      if (!d) return reply;
      const grace = GRACES[f.grace as keyof typeof GRACES];
      if (grace === undefined) throw new OAuthError('invalid_request', 'grace must be now, hour, day or week');
      try {
        const { clientSecret, previousUntil } = await rotateSecret(ctx, d, req.params.client_id, grace, meta(req));
        const a = await ownedApp(ctx, d, req.params.client_id);
        const t = tr(req);
        const graceNote = previousUntil === null ? t('dev.rotate.grace_none') : t('dev.rotate.grace_until', { when: `${new Date(previousUntil).toISOString().slice(0, 16).replace('T', ' ')} UTC` });
        return appPage(req, reply, d, a, { notice: t('dev.rotate.done'), secret: clientSecret, graceNote });
      } catch (error) {
        if (error instanceof RegistryError) throw new OAuthError('invalid_request', error.message);
        throw error;
      }
    });

    app.post<AppParams>('/developers/apps/:client_id/delete', post, async (req, reply) => {
      const f = form(req);
      const d = await developer(req, reply);
      if (!d) return reply;
      const a = await ownedApp(ctx, d, req.params.client_id);
      if (f.confirm !== 'yes') {
        return page(req, reply, 200, 'confirm', { message: tr(req)('dev.delete.confirm', { app: a.name }), button: tr(req)('dev.app.delete'), action: req.url, cancel: u.app(a.clientId), csrfToken: csrf(req, reply) });
      }
      await deleteApp(ctx, d, a.clientId, meta(req));
      return reply.redirect(u.home, 303);
    });

    // Test run: the sandbox mall (made once), the developer signed in there as its representative
    // operator, then the console's install of the app: the App URL launch, as an operator would.
    app.post<AppParams>('/developers/apps/:client_id/test-run', post, async (req, reply) => {
      form(req);
      const d = await developer(req, reply);
      if (!d) return reply;
      const a = await ownedApp(ctx, d, req.params.client_id);
      const { mall, operator } = await sandboxOf(ctx, d);
      const base = `/malls/${mall.mallId}`;
      await startSession(ctx, req, reply, operator, operatorRealmAt(mall.mallId, base));
      return reply.redirect(`${base}/console/apps/${encodeURIComponent(a.clientId)}/install`, 303);
    });

    // ---- webhooks (issue 12): add, deliveries, send again, send a test event, enable, remove
    app.post<AppParams>('/developers/apps/:client_id/webhooks', post, async (req, reply) => {
      const f = form(req);
      const d = await developer(req, reply);
      if (!d) return reply;
      const a = await ownedApp(ctx, d, req.params.client_id);
      try {
        const h = await addSubscription(ctx, { clientId: a.clientId, endpointUrl: (f.endpoint_url ?? '').trim(), eventTypes: formList(req, 'event_type'), dialect: f.dialect === 'pod' ? 'pod' : 'cafe24' });
        return hookPage(req, reply, d, a, h, tr(req)('dev.hooks.added'));
      } catch (error) {
        if (error instanceof WebhookInputError) return appPage(req, reply, d, a, { error: error.message });
        throw error;
      }
    });
    app.get<HookParams>('/developers/apps/:client_id/webhooks/:subscription_id', { config }, async (req, reply) => {
      const d = await developer(req, reply);
      if (!d) return reply;
      const { a, h } = await ownedHook(d, req.params.client_id, req.params.subscription_id);
      return hookPage(req, reply, d, a, h);
    });
    app.post<HookParams>('/developers/apps/:client_id/webhooks/:subscription_id/test', post, async (req, reply) => {
      form(req);
      const d = await developer(req, reply);
      if (!d) return reply;
      const { a, h } = await ownedHook(d, req.params.client_id, req.params.subscription_id);
      const { mall } = await sandboxOf(ctx, d);
      await hookInput(() => sendTestEvent(ctx, h, mall.mallId));
      return hookPage(req, reply, d, a, h, tr(req)('dev.hooks.test_sent'));
    });
    app.post<HookParams>('/developers/apps/:client_id/webhooks/:subscription_id/enable', post, async (req, reply) => {
      form(req);
      const d = await developer(req, reply);
      if (!d) return reply;
      const { a, h } = await ownedHook(d, req.params.client_id, req.params.subscription_id);
      await ctx.store.webhooks.setSubscriptionStatus(h.subscriptionId, 'enabled', ctx.clock.now());
      return hookPage(req, reply, d, a, (await ctx.store.webhooks.getSubscription(h.subscriptionId))!, tr(req)('dev.hooks.enabled_notice'));
    });
    app.post<HookParams>('/developers/apps/:client_id/webhooks/:subscription_id/delete', post, async (req, reply) => {
      const f = form(req);
      const d = await developer(req, reply);
      if (!d) return reply;
      const { a, h } = await ownedHook(d, req.params.client_id, req.params.subscription_id);
      if (f.confirm !== 'yes') {
        return page(req, reply, 200, 'confirm', { message: tr(req)('dev.hooks.remove_confirm', { url: h.endpointUrl }), button: tr(req)('dev.hooks.remove'), action: req.url, cancel: u.hook(a.clientId, h.subscriptionId), csrfToken: csrf(req, reply) });
      }
      await ctx.store.webhooks.removeSubscription(h.subscriptionId);
      return reply.redirect(u.app(a.clientId), 303);
    });
    app.post<ResendParams>('/developers/apps/:client_id/webhooks/:subscription_id/deliveries/:delivery_id/resend', post, async (req, reply) => {
      form(req);
      const d = await developer(req, reply);
      if (!d) return reply;
      const { a, h } = await ownedHook(d, req.params.client_id, req.params.subscription_id);
      const original = await ctx.store.webhooks.getDelivery(req.params.delivery_id);
      if (!original || original.subscriptionId !== h.subscriptionId) throw new ApiError('not_found', 'no such delivery');
      await hookInput(() => replayDelivery(ctx, original.deliveryId, a.clientId));
      return hookPage(req, reply, d, a, h, tr(req)('dev.hooks.resent'));
    });

    app.get(u.unowned, { config }, async (req, reply) => {
      const d = await developer(req, reply);
      if (!d) return reply;
      if (!d.platformAdmin) throw new OAuthError('access_denied', 'only platform admins see unowned apps', { status: 403 });
      const apps = [];
      for (const id of await ctx.store.developers.unowned()) {
        const a = await ctx.store.apps.get(id);
        if (a) apps.push({ name: a.name, clientId: a.clientId, adopt: u.adopt(a.clientId) });
      }
      return devPage(req, reply, d, 'dev-unowned', u.unowned, { apps });
    });
    app.post<AppParams>('/developers/unowned/:client_id/adopt', post, async (req, reply) => {
      form(req);
      const d = await developer(req, reply);
      if (!d) return reply;
      await adoptApp(ctx, d, req.params.client_id);
      return reply.redirect(u.app(req.params.client_id), 303);
    });
  };
}
