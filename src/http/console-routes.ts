import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { loginPage } from '../console/authorize-pages.js';
import { appsPage, consoleUrls } from '../console/console-pages.js';
import { launchApp, launchLang } from '../oauth/app-launch.js';
import type { OAuthContext } from '../oauth/context.js';
import { OAuthError } from '../oauth/errors.js';
import { installedApps, removeApp } from '../oauth/installed-apps.js';
import type { LoginThrottle } from '../oauth/login-throttle.js';
import { signIn } from '../oauth/operator-login.js';
import type { Operator } from '../store/types.js';
import { sendPage } from './pages.js';
import { formParams } from './params.js';
import { assertCsrf, csrfToken, endSession, sessionId, sessionOperator, startSession } from './session.js';

type AppParams = { Params: { client_id: string } };

/**
 * The operator console of a mall (`/console`, per mall like the authorization pages): sign in
 * with the authorization pages' login, session and CSRF; list the installed apps; open one with
 * the App URL launch (wire.md); remove one (representative operator only); sign out.
 */
export function consoleRoutes(ctx: OAuthContext, options: { throttle?: LoginThrottle } = {}): FastifyPluginAsync {
  return async (app) => {
    const config = { dialect: 'page' as const };
    const post = { config, bodyLimit: 16 * 1024 };
    const urls = (req: FastifyRequest) => consoleUrls(req.mallBase);

    /** The login form; it posts to `action` (by default the page's own URL, so the GET follows the login). */
    const showLogin = (req: FastifyRequest, reply: FastifyReply, error?: string, status?: number, action = req.url) =>
      sendPage(reply, status ?? (error ? 401 : 200), loginPage({ mallName: req.mall.name, action, csrfToken: csrfToken(ctx, sessionId(req, reply)), ...(error ? { error } : {}) }));

    /** The signed-in operator of a form POST (CSRF checked first), or undefined after showing the login page. */
    async function formOperator(req: FastifyRequest, reply: FastifyReply): Promise<Operator | undefined> {
      assertCsrf(ctx, req, formParams(req).csrf_token);
      const operator = await sessionOperator(ctx, req);
      if (!operator) showLogin(req, reply, 'Your session has ended; sign in again.', 401, urls(req).home);
      return operator;
    }

    /** POST of the login form to a console page's URL: sign in, then GET that page (Post/Redirect/Get). */
    async function login(req: FastifyRequest, reply: FastifyReply) {
      const form = formParams(req);
      assertCsrf(ctx, req, form.csrf_token);
      if (form.user_id === undefined) throw new OAuthError('invalid_request', 'user_id is required');
      const result = await signIn(ctx, options.throttle, { mall: req.mall, userId: form.user_id, password: form.password ?? '', ip: req.ip, traceId: req.id, clientId: null });
      if (!result.ok) {
        if (result.retryAfterSeconds !== undefined) reply.header('retry-after', String(result.retryAfterSeconds));
        return showLogin(req, reply, result.message, result.status);
      }
      // Sub-operators may sign in here (they may open apps), unlike on the consent page.
      await startSession(ctx, req, reply, result.operator);
      return reply.redirect(req.url, 303);
    }

    app.get('/console', { config }, async (req, reply) => {
      const operator = await sessionOperator(ctx, req);
      if (!operator) return showLogin(req, reply);
      const sid = sessionId(req, reply);
      return sendPage(reply, 200, appsPage({
        mallName: req.mall.name,
        timezone: req.mall.timezone,
        base: req.mallBase,
        operator,
        apps: await installedApps(ctx, req.mall),
        csrfToken: csrfToken(ctx, sid),
      }));
    });
    app.post('/console', post, login);

    // wire.md, App URL launch: 302 to the App URL with the signed parameters; `lang` may be chosen.
    app.get<AppParams>('/console/apps/:client_id/launch', { config }, async (req, reply) => {
      const operator = await sessionOperator(ctx, req);
      if (!operator) return showLogin(req, reply);
      const lang = launchLang((req.query as Record<string, unknown>).lang);
      const location = await launchApp(ctx, req.mall, operator, req.params.client_id, lang, { ip: req.ip, traceId: req.id });
      return reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').redirect(location, 302);
    });
    app.post('/console/apps/:client_id/launch', post, login);

    app.post<AppParams>('/console/apps/:client_id/remove', post, async (req, reply) => {
      const operator = await formOperator(req, reply);
      if (!operator) return reply;
      await removeApp(ctx, req.mall, operator, req.params.client_id, { ip: req.ip, traceId: req.id });
      return reply.redirect(urls(req).home, 303);
    });

    app.post('/console/logout', post, async (req, reply) => {
      assertCsrf(ctx, req, formParams(req).csrf_token);
      await endSession(ctx, req, reply);
      return reply.redirect(urls(req).home, 303);
    });
  };
}
