import { oauthErrors } from './errors.js';
import type { FastifyPluginAsync, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { TokenLimiter } from '../throttle/token-limits.js';
import type { AppContext } from '../app-context.js';
import { handleIntrospection } from '../oauth/introspect.js';
import { handleRevocation } from '../oauth/revoke.js';
import { cafe24TokenBody } from '../dialects/cafe24/token-response.js';
import { handleTokenRequest } from '../oauth/token.js';
import type { ClientCredentials } from '../oauth/client-auth.js';
import { formParams } from './params.js';
import { formBody, jsonAnswer, NO_STORE, text, type OperationDoc } from './openapi-doc.js';

const credentialsOf = (req: FastifyRequest, params: Record<string, string>): ClientCredentials => ({
  authorization: req.headers.authorization,
  clientId: params.client_id,
  clientSecret: params.client_secret,
});

// Documentation of what these routes parse by hand (http/openapi.ts): their wire is written here, never serialized by a schema.
const oauthError = jsonAnswer(
  { type: 'object', required: ['error'], properties: { error: { type: 'string' }, error_description: { type: 'string' }, trace_id: { type: 'string' } } },
  'RFC 6749 §5.2 error.',
  NO_STORE,
);
const CLIENT_AUTH = {
  description: 'Client authentication: `Authorization: Basic base64(client_id:client_secret)` (RFC 6749 §2.3.1), or client_id and client_secret in the body.',
  tags: ['oauth'],
  security: [{ clientSecretBasic: [] }, {}],
};
const localTime = (description: string) => ({ type: 'string', description: `${description} In the mall's time zone (wire.md, Token request).` });
/** The Cafe24 token body (dialects/cafe24/token-response.ts) with the RFC 6749 §5.1 fields. */
const TOKEN_RESPONSE = {
  type: 'object',
  additionalProperties: false,
  required: ['access_token', 'expires_at', 'refresh_token', 'refresh_token_expires_at', 'client_id', 'mall_id', 'user_id', 'scopes', 'issued_at', 'shop_no', 'token_type', 'expires_in', 'scope', 'refresh_token_expires_in'],
  properties: {
    access_token: { type: 'string' },
    expires_at: localTime('When the access token expires.'),
    refresh_token: { type: 'string', description: 'Rotated on every use.' },
    refresh_token_expires_at: localTime('When the refresh token expires.'),
    client_id: { type: 'string' },
    mall_id: { type: 'string' },
    user_id: { type: 'string', description: 'The operator who consented.' },
    scopes: { type: 'array', items: { type: 'string' } },
    issued_at: localTime('When the pair was issued.'),
    shop_no: { type: 'string' },
    token_type: { type: 'string', enum: ['Bearer'] },
    expires_in: { type: 'integer', description: 'Seconds the access token lives (RFC 6749 §5.1).' },
    scope: { type: 'string', description: 'The scopes, space-separated (RFC 6749 §5.1).' },
    refresh_token_expires_in: { type: 'integer', description: 'Seconds the refresh token lives.' },
  },
};
const TOKEN_DOC: OperationDoc = {
  summary: 'Token request: authorization_code or refresh_token grant (RFC 6749 §4.1.3, §6)',
  ...CLIENT_AUTH,
  ...formBody(
    {
      grant_type: { type: 'string', enum: ['authorization_code', 'refresh_token'] },
      code: text('The authorization code (authorization_code).'),
      redirect_uri: text('The redirect URI of the authorization request.'),
      code_verifier: text('PKCE verifier (RFC 7636 §4.5).'),
      refresh_token: text('The refresh token (refresh_token); rotated on use.'),
      scope: text('A narrower scope (refresh_token).'),
      client_id: text('Client id, when not in Authorization.'),
      client_secret: text('Client secret, when not in Authorization.'),
    },
    ['grant_type'],
  ),
  response: { 200: jsonAnswer(TOKEN_RESPONSE, 'Cafe24 token response with the RFC 6749 §5.1 fields.', NO_STORE), 400: oauthError, 401: oauthError, 429: oauthError },
};
const REVOKE_DOC: OperationDoc = {
  summary: 'Token revocation (RFC 7009)',
  ...CLIENT_AUTH,
  ...formBody({ token: text('The token to revoke.'), token_type_hint: { type: 'string', enum: ['access_token', 'refresh_token'] }, token_hint: text('Cafe24 spelling of token_type_hint.') }, ['token']),
  response: { 200: { description: 'Revoked (or unknown): an empty body (wire.md).', content: { 'text/plain': { schema: { type: 'string', maxLength: 0 } } } }, 400: oauthError, 401: oauthError },
};
const INTROSPECT_DOC: OperationDoc = {
  summary: 'Token introspection (RFC 7662), for the calling client\'s own tokens',
  ...CLIENT_AUTH,
  ...formBody({ token: text('The token to inspect.'), token_type_hint: { type: 'string', enum: ['access_token', 'refresh_token'] } }, ['token']),
  response: {
    200: jsonAnswer(
      {
        type: 'object',
        required: ['active'],
        properties: {
          active: { type: 'boolean', description: 'false (alone) for anything not live.' },
          scope: { type: 'string' }, client_id: { type: 'string' }, username: { type: 'string' }, sub: { type: 'string' }, iss: { type: 'string' },
          exp: { type: 'integer' }, iat: { type: 'integer' }, token_type: { type: 'string', enum: ['Bearer'] }, jti: { type: 'string' }, mall_id: { type: 'string' },
        },
      },
      'RFC 7662 §2.2 response: {"active":false} for anything not live.',
      NO_STORE,
    ),
    400: oauthError,
    401: oauthError,
  },
};

/** Server-to-server OAuth endpoints of a mall: token (RFC 6749 §3.2) and revocation (RFC 7009). */
export function oauthRoutes(ctx: AppContext, issuerOf: (req: FastifyRequest) => string, limiter?: TokenLimiter): FastifyPluginAsync {
  return async (app) => {
    const opts = (openapi: OperationDoc) => ({ config: { errors: oauthErrors, openapi }, bodyLimit: 16 * 1024 });
    // Issue 15, item 8: per address before the body is parsed or anyone authenticated.
    const byAddress: onRequestAsyncHookHandler = async (req) => limiter?.address(req.ip);

    app.post('/api/v2/oauth/token', { ...opts(TOKEN_DOC), onRequest: byAddress }, async (req, reply) => {
      const params = formParams(req);
      const meta = { ip: req.ip, traceId: req.id };
      const issued = await handleTokenRequest(ctx, { mall: req.mall, issuer: issuerOf(req), credentials: credentialsOf(req, params), params, meta, ...(limiter ? { limitClient: (m: string, c: string) => limiter.client(m, c) } : {}) });
      // RFC 6749 §5.1: no caching of token responses.
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(cafe24TokenBody(issued, req.mall));
    });

    app.post('/api/v2/oauth/revoke', opts(REVOKE_DOC), async (req, reply) => {
      const params = formParams(req);
      await handleRevocation(ctx, { mall: req.mall, credentials: credentialsOf(req, params), params, meta: { ip: req.ip, traceId: req.id } });
      // wire.md: 200 with an empty body.
      return reply.header('cache-control', 'no-store').code(200).send('');
    });

    // RFC 7662 §2: introspection, for the calling client's own tokens only.
    app.post('/api/v2/oauth/introspect', opts(INTROSPECT_DOC), async (req, reply) => {
      const params = formParams(req);
      const answer = await handleIntrospection(ctx, { mall: req.mall, issuer: issuerOf(req), credentials: credentialsOf(req, params), params });
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(answer);
    });
  };
}
