import type { Mall, Operator } from '../store/types.js';
import type { OAuthContext } from './context.js';
import type { LoginThrottle } from './login-throttle.js';
import { hashPassword, needsRehash, verifyPassword } from './secrets.js';

/** Checks an operator's password; the same work is done for unknown accounts. */
export async function authenticateOperator(ctx: OAuthContext, mall: Mall, userId: string, password: string): Promise<Operator | undefined> {
  const operator = userId.length <= 64 && password.length <= 1024 ? await ctx.store.operators.get(mall.mallId, userId) : undefined;
  const ok = await verifyPassword(password.slice(0, 1024), operator?.passwordHash);
  if (!ok || !operator) return undefined;
  // Issue 15, item 9: a hash made with older (weaker) scrypt parameters is redone now that the
  // password is known; only if it is still the hash we checked (a concurrent change wins).
  if (needsRehash(operator.passwordHash)) {
    const upgraded = await hashPassword(password.slice(0, 1024));
    if (await ctx.store.operators.replacePasswordHash(mall.mallId, operator.userId, operator.passwordHash, upgraded)) return { ...operator, passwordHash: upgraded };
  }
  return operator;
}

export type SignInResult =
  | { ok: true; operator: Operator }
  /** 401 wrong credentials, 429 throttled (then `retryAfterSeconds`); `message` is for the login page. */
  | { ok: false; status: 401 | 429; message: string; retryAfterSeconds?: number };

/**
 * An operator signs in on a login form (the authorization pages, the operator console): login
 * throttling per account and per address before the password is looked at (login-throttle.ts),
 * then the password check; every attempt is audited. Starting the session is the caller's.
 */
export async function signIn(
  ctx: OAuthContext,
  throttle: LoginThrottle | undefined,
  input: { mall: Mall; userId: string; password: string; ip: string; traceId: string; clientId: string | null },
): Promise<SignInResult> {
  const mallId = input.mall.mallId;
  const who = { mallId, clientId: input.clientId, userId: input.userId.slice(0, 64), ip: input.ip, traceId: input.traceId };
  const verdict = throttle ? await throttle.attempt(mallId, input.userId, input.ip) : undefined;
  if (verdict && !verdict.allowed) {
    ctx.audit.record({ type: 'login.throttled', ...who, detail: { by: verdict.by } });
    const wait = verdict.retryAfterSeconds;
    return { ok: false, status: 429, retryAfterSeconds: wait, message: `Too many sign-in attempts. Try again in ${wait} second${wait === 1 ? '' : 's'}.` };
  }
  const operator = await authenticateOperator(ctx, input.mall, input.userId, input.password);
  ctx.audit.record({ type: operator ? 'login.ok' : 'login.failed', ...who });
  if (!operator) return { ok: false, status: 401, message: 'The operator ID or password is wrong.' };
  await throttle?.succeeded(mallId, input.userId);
  return { ok: true, operator };
}
