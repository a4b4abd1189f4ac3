import { createHmac } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app-context.js';
import { OAuthError } from '../oauth/errors.js';
import { randomToken, safeEqual } from '../oauth/secrets.js';
import type { Developer, Operator } from '../store/types.js';

/**
 * The browser sessions: an operator's on a mall's login, consent and console pages, and a
 * developer's in the developer center (a realm each: its own cookie). The cookie holds a random
 * id; the store holds only its hash. Before login the same cookie anchors the CSRF token.
 */
const PLAIN = 'shopauth_sid';

declare module 'fastify' {
  interface FastifyInstance {
    /** The configured public URL (config.publicUrl), for cookie decisions; null when derived from requests. */
    shopauthPublicUrl: string | null;
  }
}

interface SessionCookie {
  name: string;
  path: string;
  secure: boolean;
}

/** Which cookie a realm uses for a request. */
export type SessionRealm = (req: FastifyRequest) => SessionCookie;

const overHttps = (req: FastifyRequest) => req.protocol === 'https' || req.server.shopauthPublicUrl?.startsWith('https://') === true;

/**
 * Issue 15, item 9: over https (the public URL is https, or this request came over TLS) the cookie
 * is `__Host-` prefixed (RFC 6265bis §4.1.3.2: Secure, Path=/, no Domain, so no sibling host or
 * plain-http page can plant or shadow it) and named per mall, since Path=/ no longer keeps malls
 * apart. Over plain http (a loopback sandbox): `shopauth_sid`, path-scoped to the mall.
 */
export const operatorRealmAt = (mallId: string, mallBase: string): SessionRealm => (req) =>
  overHttps(req) ? { name: `__Host-shopauth_sid_${mallId}`, path: '/', secure: true } : { name: PLAIN, path: mallBase || '/', secure: false };

export const OPERATOR_REALM: SessionRealm = (req) => operatorRealmAt(req.mall.mallId, req.mallBase)(req);

/** Developer sessions are stored like operators' under this mall id, which no mall can have. */
export const DEVELOPER_SESSION_MALL = '@developers';
export const DEVELOPER_REALM: SessionRealm = (req) =>
  overHttps(req) ? { name: '__Host-shopauth_dev', path: '/', secure: true } : { name: 'shopauth_dev', path: '/developers', secure: false };

const sidOf = (req: FastifyRequest, realm: SessionRealm): string | undefined => req.cookies[realm(req).name];

function setSessionCookie(req: FastifyRequest, reply: FastifyReply, sid: string, realm: SessionRealm): void {
  const c = realm(req);
  reply.setCookie(c.name, sid, { path: c.path, httpOnly: true, sameSite: 'lax', secure: c.secure });
}

/** The session id from the cookie, making and setting a fresh one if there is none. */
export function sessionId(req: FastifyRequest, reply: FastifyReply, realm = OPERATOR_REALM): string {
  const sid = sidOf(req, realm);
  if (sid && /^[A-Za-z0-9_-]{43}$/.test(sid)) return sid;
  const fresh = randomToken();
  setSessionCookie(req, reply, fresh, realm);
  return fresh;
}

/** The CSRF token of the forms: an HMAC of the session id (a synchronizer token that needs no storage). */
export const csrfToken = (ctx: AppContext, sid: string): string =>
  createHmac('sha256', ctx.serverKey).update('csrf\0').update(sid).digest('base64url');

export function csrfValid(ctx: AppContext, req: FastifyRequest, presented: string | undefined, realm = OPERATOR_REALM): boolean {
  const sid = sidOf(req, realm);
  return sid !== undefined && presented !== undefined && safeEqual(csrfToken(ctx, sid), presented);
}

/** RFC 9700 §4.7: a form without this session's CSRF token is refused (403) and changes nothing. */
export function assertCsrf(ctx: AppContext, req: FastifyRequest, presented: string | undefined, realm = OPERATOR_REALM): void {
  if (!csrfValid(ctx, req, presented, realm)) {
    throw new OAuthError('invalid_request', 'the form has expired or did not come from this site; go back and reload the page', { status: 403 });
  }
}

/** The live session of the realm's cookie, if any. */
async function liveSession(ctx: AppContext, req: FastifyRequest, realm: SessionRealm) {
  const sid = sidOf(req, realm);
  if (!sid) return undefined;
  const now = ctx.clock.now();
  return (await ctx.hasher.lookup(sid, (h) => ctx.store.sessions.get(h, now), 'session'))?.found;
}

/** The operator signed in on this session for this request's mall, if any. */
export async function sessionOperator(ctx: AppContext, req: FastifyRequest): Promise<Operator | undefined> {
  const session = await liveSession(ctx, req, OPERATOR_REALM);
  if (!session || session.mallId !== req.mall.mallId) return undefined;
  return ctx.store.operators.get(session.mallId, session.userId);
}

/** The developer signed in on this developer-center session, if any. */
export async function sessionDeveloper(ctx: AppContext, req: FastifyRequest): Promise<Developer | undefined> {
  const session = await liveSession(ctx, req, DEVELOPER_REALM);
  if (!session || session.mallId !== DEVELOPER_SESSION_MALL) return undefined;
  return ctx.store.developers.get(session.userId);
}

/**
 * Signs a user in under a new session id (session fixation: the old id dies): an operator, or
 * (realm DEVELOPER_REALM, `mallId` DEVELOPER_SESSION_MALL) a developer.
 */
export async function startSession(
  ctx: AppContext,
  req: FastifyRequest,
  reply: FastifyReply,
  user: { mallId: string; userId: string },
  realm = OPERATOR_REALM,
): Promise<void> {
  const old = sidOf(req, realm);
  if (old) for (const h of ctx.hasher.candidates(old, 'session')) await ctx.store.sessions.delete(h);
  const sid = randomToken();
  const now = ctx.clock.now();
  await ctx.store.sessions.create({
    sessionHash: ctx.hasher.hash(sid, 'session'),
    mallId: user.mallId,
    userId: user.userId,
    createdAt: now,
    expiresAt: now + ctx.lifetimes.sessionMs,
  });
  setSessionCookie(req, reply, sid, realm);
}

/** Signs out: the session is deleted and the cookie cleared. */
export async function endSession(ctx: AppContext, req: FastifyRequest, reply: FastifyReply, realm = OPERATOR_REALM): Promise<void> {
  const sid = sidOf(req, realm);
  if (sid) for (const h of ctx.hasher.candidates(sid, 'session')) await ctx.store.sessions.delete(h);
  const c = realm(req);
  reply.clearCookie(c.name, { path: c.path, httpOnly: true, sameSite: 'lax', secure: c.secure });
}
