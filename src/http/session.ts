import { createHmac } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OAuthContext } from '../oauth/context.js';
import { OAuthError } from '../oauth/errors.js';
import { randomToken, safeEqual } from '../oauth/secrets.js';
import type { Operator } from '../store/types.js';

/**
 * The operator's browser session on the login and consent pages. The cookie holds a random id;
 * the store holds only its hash. Before login the same cookie anchors the CSRF token.
 */
const PLAIN = 'shopauth_sid';

declare module 'fastify' {
  interface FastifyInstance {
    /** The configured public URL (config.publicUrl), for cookie decisions; null when derived from requests. */
    shopauthPublicUrl: string | null;
  }
}

/**
 * Issue 15, item 9: over https (the public URL is https, or this request came over TLS) the cookie
 * is `__Host-` prefixed (RFC 6265bis §4.1.3.2: Secure, Path=/, no Domain, so no sibling host or
 * plain-http page can plant or shadow it) and named per mall, since Path=/ no longer keeps malls
 * apart. Over plain http (a loopback sandbox): `shopauth_sid`, path-scoped to the mall.
 */
function cookieOf(req: FastifyRequest): { name: string; path: string; secure: boolean } {
  const https = req.protocol === 'https' || req.server.shopauthPublicUrl?.startsWith('https://') === true;
  if (https) return { name: `__Host-shopauth_sid_${req.mall.mallId}`, path: '/', secure: true };
  return { name: PLAIN, path: req.mallBase || '/', secure: false };
}

const sidOf = (req: FastifyRequest): string | undefined => req.cookies[cookieOf(req).name];

function setSessionCookie(req: FastifyRequest, reply: FastifyReply, sid: string): void {
  const c = cookieOf(req);
  reply.setCookie(c.name, sid, { path: c.path, httpOnly: true, sameSite: 'lax', secure: c.secure });
}

/** The session id from the cookie, making and setting a fresh one if there is none. */
export function sessionId(req: FastifyRequest, reply: FastifyReply): string {
  const sid = sidOf(req);
  if (sid && /^[A-Za-z0-9_-]{43}$/.test(sid)) return sid;
  const fresh = randomToken();
  setSessionCookie(req, reply, fresh);
  return fresh;
}

/** The CSRF token of the forms: an HMAC of the session id (a synchronizer token that needs no storage). */
export const csrfToken = (ctx: OAuthContext, sid: string): string =>
  createHmac('sha256', ctx.serverKey).update('csrf\0').update(sid).digest('base64url');

export function csrfValid(ctx: OAuthContext, req: FastifyRequest, presented: string | undefined): boolean {
  const sid = sidOf(req);
  return sid !== undefined && presented !== undefined && safeEqual(csrfToken(ctx, sid), presented);
}

/** RFC 9700 §4.7: a form without this session's CSRF token is refused (403) and changes nothing. */
export function assertCsrf(ctx: OAuthContext, req: FastifyRequest, presented: string | undefined): void {
  if (!csrfValid(ctx, req, presented)) {
    throw new OAuthError('invalid_request', 'the form has expired or did not come from this site; go back and reload the page', { status: 403 });
  }
}

/** The operator signed in on this session for this request's mall, if any. */
export async function sessionOperator(ctx: OAuthContext, req: FastifyRequest): Promise<Operator | undefined> {
  const sid = sidOf(req);
  if (!sid) return undefined;
  const now = ctx.clock.now();
  const session = (await ctx.hasher.lookup(sid, (h) => ctx.store.sessions.get(h, now), 'session'))?.found;
  if (!session || session.mallId !== req.mall.mallId) return undefined;
  return ctx.store.operators.get(session.mallId, session.userId);
}

/** Signs the operator in under a new session id (session fixation: the old id dies). */
export async function startSession(ctx: OAuthContext, req: FastifyRequest, reply: FastifyReply, operator: Operator): Promise<void> {
  const old = sidOf(req);
  if (old) for (const h of ctx.hasher.candidates(old, 'session')) await ctx.store.sessions.delete(h);
  const sid = randomToken();
  const now = ctx.clock.now();
  await ctx.store.sessions.create({
    sessionHash: ctx.hasher.hash(sid, 'session'),
    mallId: operator.mallId,
    userId: operator.userId,
    createdAt: now,
    expiresAt: now + ctx.lifetimes.sessionMs,
  });
  setSessionCookie(req, reply, sid);
}

/** Signs out: the session is deleted and the cookie cleared. */
export async function endSession(ctx: OAuthContext, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const sid = sidOf(req);
  if (sid) for (const h of ctx.hasher.candidates(sid, 'session')) await ctx.store.sessions.delete(h);
  const c = cookieOf(req);
  reply.clearCookie(c.name, { path: c.path, httpOnly: true, sameSite: 'lax', secure: c.secure });
}
