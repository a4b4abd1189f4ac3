import { pageErrors } from './pages.js';
import { ApiError } from '../errors.js';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { loginFailure, operatorLabel, scopeItems } from '../console/authorize-pages.js';
import { appsData, consoleNav, consoleUrls, when } from '../console/console-pages.js';
import { scopeGroups } from '../console/scope-groups.js';
import { LAUNCH_LANGS, launchApp, launchLang } from '../operator-console/app-launch.js';
import type { AppContext } from '../app-context.js';
import { createCredentials, revokeCredentials } from '../registry/credentials.js';
import { OAuthError } from '../oauth/errors.js';
import { installedApps, platformApps, removeApp } from '../operator-console/installed-apps.js';
import type { LoginThrottle } from '../throttle/login-throttle.js';
import { signIn } from '../operator-console/operator-login.js';
import { RegistryError } from '../registry/registry.js';
import { addSubOperator, listOperators, removeSubOperator } from '../operator-console/sub-operators.js';
import type { UsageCounter } from '../shared-state/usage.js';
import type { Operator } from '../store/types.js';
import { langOf, page, tr } from './pages.js';
import { formList, pageParams as formParams } from './params.js';
import { assertCsrf, csrfToken, endSession, sessionId, sessionOperator, startSession } from './session.js';
import { formBody, htmlPage, redirect, text, type OperationDoc } from './openapi-doc.js';

type AppParams = { Params: { client_id: string } };
type UserParams = { Params: { user_id: string } };

// For /openapi.json (http/openapi.ts); the other pages are documented as pages.
const CSRF = { csrf_token: text('CSRF token of the page.') };
const loginDoc = (summary: string): OperationDoc => ({
  summary,
  tags: ['console'],
  ...formBody({ ...CSRF, user_id: text('Operator id.'), password: text('Password.') }, ['csrf_token', 'user_id']),
  response: { 303: redirect('Signed in: back to the page.'), 401: htmlPage('Wrong operator id or password (HTML).'), 403: htmlPage('CSRF check failed (HTML).'), 429: htmlPage('Throttled (HTML, Retry-After).') },
});
const launchDoc = (summary: string): OperationDoc => ({
  summary,
  tags: ['console'],
  querystring: { type: 'object', properties: { lang: { type: 'string', enum: [...LAUNCH_LANGS], description: 'The launch language; ko_KR when absent or not one of these.' } } },
  response: {
    200: htmlPage('Not signed in: the login page (HTML); it comes back here.'),
    302: redirect('To the App URL with is_multi_shop, lang, mall_id, nation, shop_no, timestamp, user_id, user_name, user_type in that order and hmac last.'),
    404: htmlPage('The app holds no live grant in the mall (HTML).'),
    409: htmlPage('No sealed client secret was kept for the app: re-register it (HTML).'),
  },
});
const DOCS = {
  home: { summary: 'Operator console: the apps installed in the mall (README, Operator console)', tags: ['console'], response: { 200: htmlPage('The login page, or the installed apps with Open and Remove (HTML).') } },
  login: loginDoc('Login form of the operator console'),
  launch: launchDoc('App URL launch (wire.md): 302 to the App URL with the signed launch parameters'),
  launchLogin: loginDoc('Login form shown by the launch when not signed in; comes back to the launch'),
  install: launchDoc('Install a platform app: the App URL launch of an app not yet installed (the app then runs its authorization)'),
  installLogin: loginDoc('Login form shown by the install launch when not signed in; comes back to it'),
  remove: {
    summary: 'Removes the app from the mall: revokes its grants and every token under them (representative operator only)',
    tags: ['console'],
    ...formBody(CSRF, ['csrf_token']),
    response: { 200: htmlPage('The confirmation to give first (HTML).'), 303: redirect('Removed: back to the console.'), 403: htmlPage('CSRF check failed, or a sub-operator (HTML).'), 404: htmlPage('The app is not installed in this mall (HTML).') },
  },
  logout: { summary: 'Signs the operator out', tags: ['console'], ...formBody(CSRF, ['csrf_token']), response: { 303: redirect('Signed out: back to the console (the login page).'), 403: htmlPage('CSRF check failed (HTML).') } },
} satisfies Record<string, OperationDoc>;

/**
 * The operator console of a mall (`/console`, per mall like the authorization pages): sign in
 * with the authorization pages' login, session and CSRF; the installed apps with their consents
 * and usage; open one with the App URL launch (wire.md); remove one; install a platform app;
 * sub-operators; POD Shop API credentials; the audit log; sign out. Only the representative
 * operator manages; a sub-operator sees the apps and opens them. Destructive forms answer with
 * a confirmation page first and act only on its `confirm=yes`.
 */
export function consoleRoutes(ctx: AppContext, options: { throttle?: LoginThrottle; usage?: UsageCounter } = {}): FastifyPluginAsync {
  return async (app) => {
    const config = { errors: pageErrors };
    const post = { config, bodyLimit: 16 * 1024 };
    const get = (openapi: OperationDoc) => ({ config: { ...config, openapi } });
    const posted = (openapi: OperationDoc) => ({ ...post, config: { ...config, openapi } });
    const urls = (req: FastifyRequest) => consoleUrls(req.mallBase);
    const meta = (req: FastifyRequest) => ({ ip: req.ip, traceId: req.id });

    /**
     * The login form; it posts to `action` (by default the console's home with the page to come
     * back to in `next`, so the GET follows the login).
     */
    const showLogin = (req: FastifyRequest, reply: FastifyReply, error?: string, status?: number, action?: string) =>
      page(req, reply, status ?? (error ? 401 : 200), 'login', {
        mallName: req.mall.name,
        action: action ?? urls(req).home,
        next: action === undefined && req.url !== urls(req).home ? req.url : undefined,
        csrfToken: csrfToken(ctx, sessionId(req, reply)),
        error,
      });

    /**
     * The signed-in operator of a form POST (CSRF checked first), or undefined after showing the
     * login page; `representative`: 403 for a sub-operator.
     */
    async function formOperator(req: FastifyRequest, reply: FastifyReply, only?: 'representative'): Promise<Operator | undefined> {
      assertCsrf(ctx, req, formParams(req).csrf_token);
      const operator = await sessionOperator(ctx, req);
      if (!operator) showLogin(req, reply, tr(req)('login.expired'), 401, urls(req).home);
      else if (only) representative(operator);
      return operator;
    }

    /** The signed-in operator of a GET page, or undefined after showing the login page. */
    async function pageOperator(req: FastifyRequest, reply: FastifyReply): Promise<Operator | undefined> {
      const operator = await sessionOperator(ctx, req);
      if (!operator) showLogin(req, reply);
      return operator;
    }

    /** A page of the console, with its tabs and the session's CSRF token. */
    function consolePage(req: FastifyRequest, reply: FastifyReply, operator: Operator, template: string, tab: string, data: object, status = 200) {
      const u = urls(req);
      return page(req, reply, status, template, { mallName: req.mall.name, csrfToken: csrfToken(ctx, sessionId(req, reply)), logout: u.logout, ...data }, consoleNav(tr(req), u, operator, tab));
    }

    /** The confirmation step of a destructive form: the same form again, with confirm=yes. */
    const confirmPage = (req: FastifyRequest, reply: FastifyReply, message: string, button: string, cancel: string) =>
      page(req, reply, 200, 'confirm', { message, button, action: req.url, cancel, csrfToken: csrfToken(ctx, sessionId(req, reply)) });
    const confirmed = (req: FastifyRequest) => formParams(req).confirm === 'yes';

    /** `next` of the login form: a console page of this mall, else the console's home. */
    const nextPage = (req: FastifyRequest, next: string | undefined) => {
      const home = urls(req).home;
      return next !== undefined && (next === home || next.startsWith(`${home}/`) || next.startsWith(`${home}?`)) && !next.includes('//') ? next : req.url;
    };

    /** POST of the login form to a console page's URL: sign in, then GET that page (Post/Redirect/Get). */
    async function login(req: FastifyRequest, reply: FastifyReply) {
      const form = formParams(req);
      assertCsrf(ctx, req, form.csrf_token);
      if (form.user_id === undefined) throw new OAuthError('invalid_request', 'user_id is required');
      const result = await signIn(ctx, options.throttle, { mall: req.mall, userId: form.user_id, password: form.password ?? '', ip: req.ip, traceId: req.id, clientId: null });
      if (!result.ok) {
        if (result.retryAfterSeconds !== undefined) reply.header('retry-after', String(result.retryAfterSeconds));
        return showLogin(req, reply, loginFailure(tr(req), result), result.status, req.url);
      }
      // Sub-operators may sign in here (they may open apps), unlike on the consent page.
      await startSession(ctx, req, reply, result.operator);
      return reply.redirect(nextPage(req, form.next), 303);
    }

    const representative = (operator: Operator) => {
      if (operator.userType !== 'P') throw new OAuthError('access_denied', 'only the representative operator can do this', { status: 403 });
    };

    app.get('/console', get(DOCS.home), async (req, reply) => {
      const operator = await pageOperator(req, reply);
      if (!operator) return reply;
      const apps = await installedApps(ctx, req.mall);
      const usage = options.usage ? await options.usage.read(req.mall.mallId, apps.map((a) => a.app.clientId), ctx.clock.now()) : new Map();
      const data = appsData({ lang: langOf(req), t: tr(req), mallName: req.mall.name, timezone: req.mall.timezone, operator, apps, usage, urls: urls(req), csrfToken: csrfToken(ctx, sessionId(req, reply)) });
      return consolePage(req, reply, operator, 'console-apps', urls(req).home, data);
    });
    app.post('/console', posted(DOCS.login), login);

    // wire.md, App URL launch: 302 to the App URL with the signed parameters; `lang` may be chosen.
    const launch = (mode: 'open' | 'install') => async (req: FastifyRequest<AppParams>, reply: FastifyReply) => {
      const operator = await sessionOperator(ctx, req);
      if (!operator) return showLogin(req, reply, undefined, undefined, req.url);
      const lang = launchLang((req.query as Record<string, unknown>).lang);
      const location = await launchApp(ctx, req.mall, operator, req.params.client_id, lang, meta(req), mode);
      return reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').redirect(location, 302);
    };
    app.get<AppParams>('/console/apps/:client_id/launch', get(DOCS.launch), launch('open'));
    app.post('/console/apps/:client_id/launch', posted(DOCS.launchLogin), login);
    app.get<AppParams>('/console/apps/:client_id/install', get(DOCS.install), launch('install'));
    app.post('/console/apps/:client_id/install', posted(DOCS.installLogin), login);

    app.post<AppParams>('/console/apps/:client_id/remove', posted(DOCS.remove), async (req, reply) => {
      const operator = await formOperator(req, reply);
      if (!operator) return reply;
      if (operator.userType !== 'P') throw new OAuthError('access_denied', 'only the representative operator can remove apps', { status: 403 });
      if (!confirmed(req)) {
        const installed = (await installedApps(ctx, req.mall)).find((a) => a.app.clientId === req.params.client_id);
        if (!installed) throw new ApiError('not_found', 'the app is not installed in this mall');
        return confirmPage(req, reply, tr(req)('console.remove_confirm', { app: installed.app.name, mall: req.mall.name }), tr(req)('console.remove'), urls(req).home);
      }
      await removeApp(ctx, req.mall, operator, req.params.client_id, meta(req));
      return reply.redirect(urls(req).home, 303);
    });

    app.get('/console/install', { config }, async (req, reply) => {
      const operator = await pageOperator(req, reply);
      if (!operator) return reply;
      representative(operator);
      const apps = (await platformApps(ctx, req.mall)).map(({ app: a, installed, launchable }) => ({
        name: a.name,
        clientId: a.clientId,
        appUrl: a.appUrl,
        scopes: scopeItems(langOf(req), a.scopes),
        installed,
        install: launchable && !installed ? urls(req).installApp(a.clientId) : null,
        unavailable: launchable ? null : tr(req)(a.clientType === 'public' ? 'console.launch_public' : 'console.launch_legacy'),
      }));
      return consolePage(req, reply, operator, 'console-install', urls(req).install, { apps });
    });

    async function operatorsPage(req: FastifyRequest, reply: FastifyReply, operator: Operator, extra: { error?: string; notice?: string } = {}, status = 200) {
      const operators = (await listOperators(ctx, req.mall, operator)).map((o) => ({
        label: operatorLabel(o),
        type: tr(req)(o.userType === 'P' ? 'operators.type_p' : 'operators.type_a'),
        remove: o.userType === 'A' ? urls(req).removeOperator(o.userId) : null,
      }));
      return consolePage(req, reply, operator, 'console-operators', urls(req).operators, { operators, action: urls(req).operators, ...extra }, status);
    }
    app.get('/console/operators', { config }, async (req, reply) => {
      const operator = await pageOperator(req, reply);
      return operator ? operatorsPage(req, reply, operator) : reply;
    });
    app.post('/console/operators', post, async (req, reply) => {
      const operator = await formOperator(req, reply);
      if (!operator) return reply;
      const form = formParams(req);
      try {
        const added = await addSubOperator(ctx, req.mall, operator, { userId: form.new_user_id ?? '', name: form.name ?? '', password: form.new_password ?? '' }, meta(req));
        return operatorsPage(req, reply, operator, { notice: tr(req)('operators.added', { operator: operatorLabel(added) }) });
      } catch (error) {
        if (error instanceof RegistryError) return operatorsPage(req, reply, operator, { error: error.message }, 400);
        throw error;
      }
    });
    app.post<UserParams>('/console/operators/:user_id/remove', post, async (req, reply) => {
      const operator = await formOperator(req, reply, 'representative');
      if (!operator) return reply;
      if (!confirmed(req)) {
        const target = await ctx.store.operators.get(req.mall.mallId, req.params.user_id);
        if (!target || target.userType !== 'A') throw new ApiError('not_found', 'no such sub-operator');
        return confirmPage(req, reply, tr(req)('operators.remove_confirm', { operator: operatorLabel(target) }), tr(req)('operators.remove'), urls(req).operators);
      }
      await removeSubOperator(ctx, req.mall, operator, req.params.user_id, meta(req));
      return reply.redirect(urls(req).operators, 303);
    });

    async function credentialsPage(req: FastifyRequest, reply: FastifyReply, operator: Operator, extra: { error?: string; created?: { clientId: string; key: string } } = {}, status = 200) {
      const list = (await ctx.store.apps.list({ kind: 'credentials', mallId: req.mall.mallId })).filter((c) => c.revokedAt === null);
      const credentials = list.map((c) => ({
        name: c.name,
        clientId: c.clientId,
        created: when(c.createdAt, req.mall.timezone),
        scopes: scopeItems(langOf(req), c.scopes),
        revoke: urls(req).revokeCredentials(c.clientId),
      }));
      return consolePage(req, reply, operator, 'console-credentials', urls(req).credentials, { credentials, groups: scopeGroups(langOf(req)), action: urls(req).credentials, ...extra }, status);
    }
    app.get('/console/credentials', { config }, async (req, reply) => {
      const operator = await pageOperator(req, reply);
      if (!operator) return reply;
      representative(operator);
      return credentialsPage(req, reply, operator);
    });
    app.post('/console/credentials', post, async (req, reply) => {
      const operator = await formOperator(req, reply, 'representative');
      if (!operator) return reply;
      const form = formParams(req);
      try {
        // The credentials and their event in one transaction (docs/store.md).
        const created = await ctx.store.transaction(async (store) => {
          const made = await createCredentials({ store, clock: ctx.clock, hasher: ctx.hasher }, { mallId: req.mall.mallId, scopes: formList(req, 'scope'), ...(form.name ? { name: form.name } : {}) });
          await ctx.audit.write(store, { type: 'credentials.created', mallId: req.mall.mallId, clientId: made.app.clientId, userId: operator.userId, ...meta(req), detail: { scope: made.app.scopes.join(' ') } });
          return made;
        });
        // The key is in this response only (only its hash is stored).
        return credentialsPage(req, reply, operator, { created: { clientId: created.app.clientId, key: created.clientSecret } });
      } catch (error) {
        if (error instanceof RegistryError) return credentialsPage(req, reply, operator, { error: error.message }, 400);
        throw error;
      }
    });
    app.post<AppParams>('/console/credentials/:client_id/revoke', post, async (req, reply) => {
      const operator = await formOperator(req, reply, 'representative');
      if (!operator) return reply;
      const target = await ctx.store.apps.get(req.params.client_id);
      if (!target || target.kind !== 'credentials' || target.mallId !== req.mall.mallId || target.revokedAt !== null) throw new ApiError('not_found', 'no such API credentials');
      if (!confirmed(req)) return confirmPage(req, reply, tr(req)('credentials.revoke_confirm', { name: target.name }), tr(req)('credentials.revoke'), urls(req).credentials);
      await ctx.store.transaction(async (store) => {
        await revokeCredentials({ store, clock: ctx.clock, hasher: ctx.hasher }, target.clientId);
        await ctx.audit.write(store, { type: 'credentials.revoked', mallId: req.mall.mallId, clientId: target.clientId, userId: operator.userId, ...meta(req) });
      });
      return reply.redirect(urls(req).credentials, 303);
    });

    app.get('/console/audit', { config }, async (req, reply) => {
      const operator = await pageOperator(req, reply);
      if (!operator) return reply;
      representative(operator);
      const type = (req.query as Record<string, unknown>).type;
      const filter = typeof type === 'string' && /^[a-z_]+\.[a-z_]+$/.test(type) ? type : undefined;
      await ctx.audit.flush();
      const recent = await ctx.store.audit.list({ mallId: req.mall.mallId, limit: 500 });
      const types = [...new Set(recent.map((e) => e.type))].sort();
      const events = (filter ? recent.filter((e) => e.type === filter) : recent).slice(0, 100).map((e) => ({
        at: when(e.at, req.mall.timezone),
        type: e.type,
        who: e.userId ?? '',
        app: e.clientId ?? '',
        detail: e.detail ? Object.entries(e.detail).map(([k, v]) => `${k}=${String(v)}`).join(' ') : '',
      }));
      return consolePage(req, reply, operator, 'console-audit', urls(req).audit, { events, types, filter: filter ?? '', action: urls(req).audit });
    });

    app.post('/console/logout', posted(DOCS.logout), async (req, reply) => {
      assertCsrf(ctx, req, formParams(req).csrf_token);
      await endSession(ctx, req, reply);
      return reply.redirect(urls(req).home, 303);
    });
  };
}
