import { randomUUID } from 'node:crypto';
import type { Mall, Operator } from '../../store/types.js';
import type { AppContext } from '../../app-context.js';
import { OAuthError } from '../errors.js';
import { randomAlnum } from '../secrets.js';
import type { AuthorizationRequest } from './request.js';
import { emit } from '../../webhooks/outbox.js';

/** wire.md: only the representative operator (type P) may consent; a sub-operator gets access_denied. */
export function consentRefusal(operator: Operator): OAuthError | null {
  return operator.userType === 'P' ? null : new OAuthError('access_denied', 'only the representative operator can approve apps');
}

/** Throws consentRefusal's error, if any. */
export function assertMayConsent(operator: Operator): void {
  const refusal = consentRefusal(operator);
  if (refusal) throw refusal;
}

/**
 * The operator approved: record the grant and issue a single-use code that lives one minute
 * (wire.md), bound to the client, redirect URI, scopes and PKCE challenge. Returns the code.
 */
export async function approve(ctx: AppContext, mall: Mall, operator: Operator, request: AuthorizationRequest, meta: { ip?: string; traceId?: string } = {}): Promise<string> {
  assertMayConsent(operator);
  const now = ctx.clock.now();
  // Cafe24-looking codes: 22 alphanumerics, ~131 bits.
  const code = randomAlnum(22);
  await ctx.store.transaction(async (store) => {
    const installed = (await store.grants.list(mall.mallId)).some((g) => g.clientId === request.client.clientId && g.revokedAt === null);
    const grant = await store.grants.upsert({
      grantId: randomUUID(),
      mallId: mall.mallId,
      clientId: request.client.clientId,
      userId: operator.userId,
      scopes: request.scopes,
      updatedAt: now,
    });
    await store.codes.save({
      codeHash: ctx.hasher.hash(code),
      mallId: mall.mallId,
      clientId: request.client.clientId,
      userId: operator.userId,
      grantId: grant.grantId,
      familyId: randomUUID(),
      redirectUri: request.redirectUri,
      scopes: request.scopes,
      codeChallenge: request.codeChallenge,
      codeChallengeMethod: request.codeChallengeMethod,
      expiresAt: now + ctx.lifetimes.codeMs,
      consumedAt: null,
      createdAt: now,
    });
    // Issue 12: the first live grant installs the app in the mall (app.installed, same transaction).
    if (!installed) await emit(store, ctx.clock, mall, 'app.installed', [{ client_id: request.client.clientId, user_id: operator.userId }]);
    // With the grant it records (issue 9, crash safety).
    await ctx.audit.write(store, { type: 'consent.given', mallId: mall.mallId, clientId: request.client.clientId, userId: operator.userId, ...meta, detail: { scope: request.scopes.join(' ') } });
  });
  return code;
}

/**
 * The authorization response URL (RFC 6749 §4.1.2), with `iss` (RFC 9207). Existing query
 * parameters of the registered redirect URI are kept (§3.1.2).
 */
export function authorizationResponseUrl(redirectUri: string, params: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) query.append(k, v);
  // Appended to the registered URI as it is (wire.md: `{redirect_uri}?code=..&state=..`).
  return `${redirectUri}${redirectUri.includes('?') ? '&' : '?'}${query.toString()}`;
}
