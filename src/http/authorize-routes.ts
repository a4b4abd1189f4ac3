import { pageErrors } from './pages.js';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { loginFailure, operatorLabel, scopeItems } from '../console/authorize-pages.js';
import { approve, authorizationResponseUrl, consentRefusal } from '../oauth/authorize/consent.js';
import { validateAuthorizationRequest, type AuthorizationRequest } from '../oauth/authorize/request.js';
import type { AppContext } from '../app-context.js';
import { OAuthError, wireDescription } from '../oauth/errors.js';
import type { Operator } from '../store/types.js';
import { langOf, page, tr } from './pages.js';
import { formParams } from './params.js';
import { assertCsrf, csrfToken, sessionId, sessionOperator, startSession } from './session.js';
import type { LoginThrottle } from '../throttle/login-throttle.js';
import { signIn } from '../operator-console/operator-login.js';
import { formBody, htmlPage, redirect, text, type OperationDoc } from './openapi-doc.js';

type IssuerOf = (req: FastifyRequest) => string;

const AUTHORIZE_QUERY = {
  type: 'object',
  required: ['response_type', 'client_id', 'redirect_uri', 'scope'],
  properties: {
    response_type: { type: 'string', enum: ['code'] },
    client_id: text("The app's client id."),
    redirect_uri: text("Exactly one of the app's registered redirect URIs."),
    scope: text('Scopes, comma- or space-separated.'),
    state: text('Echoed back unchanged.'),
    code_challenge: text('PKCE (RFC 7636), S256.'),
    code_challenge_method: { type: 'string', enum: ['S256'] },
  },
};
// The request is parsed by oauth/authorize/request.ts (its errors are redirects or pages): described, not validated here.
const GET_DOC: OperationDoc = {
  summary: 'Authorization request (RFC 6749 §4.1.1; wire.md, Cafe24 dialect)',
  tags: ['oauth'],
  querystring: AUTHORIZE_QUERY,
  response: {
    200: htmlPage('The login or consent page (HTML).'),
    302: redirect('Redirect to redirect_uri with code and state, or with error (RFC 6749 §4.1.2).'),
    400: htmlPage('Error page: unknown client or redirect URI mismatch (never redirected, RFC 6749 §4.1.2.1).'),
  },
};
const POST_DOC: OperationDoc = {
  summary: 'Login and consent form posts of the authorization page',
  tags: ['oauth'],
  querystring: AUTHORIZE_QUERY,
  ...formBody({ csrf_token: text('CSRF token of the page.'), user_id: text('Operator id (login).'), password: text('Password (login).'), decision: { type: 'string', enum: ['allow', 'deny'] } }, ['csrf_token']),
  response: {
    200: htmlPage('The login page again: the session expired.'),
    303: redirect('Next step (the consent page), or the redirect to the app with code or error.'),
    401: htmlPage('Wrong operator id or password (HTML).'),
    403: htmlPage('CSRF check failed (HTML).'),
    429: htmlPage('Throttled (HTML, Retry-After).'),
  },
};

/**
 * `GET|POST /api/v2/oauth/authorize` (wire.md, Authorization request): the browser side.
 * GET shows login or consent; POST (the same URL, so the request parameters ride along in the
 * query) takes the login form or the consent decision.
 */
export function authorizeRoutes(ctx: AppContext, issuerOf: IssuerOf, options: { throttle?: LoginThrottle } = {}): FastifyPluginAsync {
  return async (app) => {
    const config = { errors: pageErrors };

    /** Redirects the outcome to the client (RFC 6749 §4.1.2, §4.1.2.1), with iss (RFC 9207). */
    const respond = (req: FastifyRequest, reply: FastifyReply, redirectUri: string, params: Record<string, string | undefined>, status: 302 | 303) =>
      reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').redirect(authorizationResponseUrl(redirectUri, { ...params, iss: issuerOf(req) }), status);

    const redirectError = (req: FastifyRequest, reply: FastifyReply, redirectUri: string, state: string | undefined, err: OAuthError, status: 302 | 303) =>
      respond(req, reply, redirectUri, { error: err.error, error_description: wireDescription(err.description), state, trace_id: req.id }, status);

    /** Validates the query; answers errors itself and returns undefined then. */
    async function validate(req: FastifyRequest, reply: FastifyReply, status: 302 | 303): Promise<AuthorizationRequest | undefined> {
      const v = await validateAuthorizationRequest(ctx, req.mall, req.query as Record<string, string | string[]>);
      if (v.kind === 'page') throw v.error;
      if (v.kind === 'redirect') {
        redirectError(req, reply, v.redirectUri, v.state, v.error, status);
        return undefined;
      }
      return v.request;
    }

    function showConsent(req: FastifyRequest, reply: FastifyReply, request: AuthorizationRequest, operator: Operator, sid: string) {
      return page(req, reply, 200, 'consent', {
        mallName: req.mall.name,
        appName: request.client.name,
        action: req.url,
        csrfToken: csrfToken(ctx, sid),
        operator: operatorLabel(operator),
        scopes: scopeItems(langOf(req), request.scopes),
      });
    }

    function showLogin(req: FastifyRequest, reply: FastifyReply, request: AuthorizationRequest, sid: string, error?: string, status?: number) {
      return page(req, reply, status ?? (error ? 401 : 200), 'login', {
        mallName: req.mall.name,
        appName: request.client.name,
        action: req.url,
        csrfToken: csrfToken(ctx, sid),
        error,
      });
    }

    app.get('/api/v2/oauth/authorize', { config: { ...config, openapi: GET_DOC } }, async (req, reply) => {
      const request = await validate(req, reply, 302);
      if (!request) return reply;
      const sid = sessionId(req, reply);
      const operator = await sessionOperator(ctx, req);
      if (!operator) return showLogin(req, reply, request, sid);
      const refusal = consentRefusal(operator);
      if (refusal) return redirectError(req, reply, request.redirectUri, request.state, refusal, 302);
      return showConsent(req, reply, request, operator, sid);
    });

    app.post('/api/v2/oauth/authorize', { config: { ...config, openapi: POST_DOC }, bodyLimit: 16 * 1024 }, async (req, reply) => {
      const request = await validate(req, reply, 303);
      if (!request) return reply;
      const form = formParams(req);
      assertCsrf(ctx, req, form.csrf_token);
      if (form.user_id !== undefined) {
        const login = await signIn(ctx, options.throttle, { mall: req.mall, userId: form.user_id, password: form.password ?? '', ip: req.ip, traceId: req.id, clientId: request.client.clientId });
        if (!login.ok) {
          if (login.retryAfterSeconds !== undefined) reply.header('retry-after', String(login.retryAfterSeconds));
          return showLogin(req, reply, request, sessionId(req, reply), loginFailure(tr(req), login), login.status);
        }
        const { operator } = login;
        const refused = consentRefusal(operator);
        if (refused) return redirectError(req, reply, request.redirectUri, request.state, refused, 303);
        await startSession(ctx, req, reply, operator);
        // Post/Redirect/Get: the consent page comes from a GET of the same authorization URL.
        return reply.redirect(req.url, 303);
      }
      const operator = await sessionOperator(ctx, req);
      if (!operator) return showLogin(req, reply, request, sessionId(req, reply), tr(req)('login.expired'));
      const who = { mallId: req.mall.mallId, clientId: request.client.clientId, userId: operator.userId, ip: req.ip, traceId: req.id };
      if (form.decision === 'deny') {
        ctx.audit.record({ type: 'consent.denied', ...who, detail: { scope: request.scopes.join(' ') } });
        return redirectError(req, reply, request.redirectUri, request.state, new OAuthError('access_denied', 'the operator denied the request'), 303);
      }
      if (form.decision !== 'allow') throw new OAuthError('invalid_request', 'decision must be allow or deny');
      try {
        const code = await approve(ctx, req.mall, operator, request, { ip: who.ip, traceId: who.traceId });
        return respond(req, reply, request.redirectUri, { code, state: request.state }, 303);
      } catch (err) {
        if (err instanceof OAuthError && err.error === 'access_denied') return redirectError(req, reply, request.redirectUri, request.state, err, 303);
        throw err;
      }
    });
  };
}
