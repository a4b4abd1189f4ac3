import type { Mall, Operator } from '../store/types.js';
import type { AuditType } from '../audit/audit.js';
import type { AppContext } from '../app-context.js';
import type { LoginThrottle } from '../throttle/login-throttle.js';
import { hashPassword, needsRehash, verifyPassword } from '../oauth/secrets.js';

/** Checks an operator's password; the same work is done for unknown accounts. */
export async function authenticateOperator(ctx: AppContext, mall: Mall, userId: string, password: string): Promise<Operator | undefined> {
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

export type SignInResult<T = Operator> =
  | { ok: true; operator: T }
  /** 401 wrong credentials, 429 throttled (then `retryAfterSeconds`); `message` is for the login page. */
  | { ok: false; status: 401 | 429; message: string; retryAfterSeconds?: number };

/**
 * A login attempt on any login form (operators of a mall; developers, whose throttle "mall" is
 * their realm): login throttling per account and per address before the password is looked at
 * (login-throttle.ts), then `check`; every attempt is audited. Starting the session is the caller's.
 */
export async function throttledSignIn<T>(
  ctx: AppContext,
  throttle: LoginThrottle | undefined,
  input: { realm: string; mallId: string | null; userId: string; ip: string; traceId: string; clientId: string | null; wrong: string },
  check: () => Promise<T | undefined>,
  audit: { ok: AuditType; failed: AuditType } = { ok: 'login.ok', failed: 'login.failed' },
): Promise<SignInResult<T>> {
  const who = { mallId: input.mallId, clientId: input.clientId, userId: input.userId.slice(0, 64), ip: input.ip, traceId: input.traceId };
  const verdict = throttle ? await throttle.attempt(input.realm, input.userId, input.ip) : undefined;
  if (verdict && !verdict.allowed) {
    ctx.audit.record({ type: 'login.throttled', ...who, detail: { by: verdict.by } });
    const wait = verdict.retryAfterSeconds;
    return { ok: false, status: 429, retryAfterSeconds: wait, message: `Too many sign-in attempts. Try again in ${wait} second${wait === 1 ? '' : 's'}.` };
  }
  const user = await check();
  ctx.audit.record({ type: user ? audit.ok : audit.failed, ...who });
  if (!user) return { ok: false, status: 401, message: input.wrong };
  await throttle?.succeeded(input.realm, input.userId);
  return { ok: true, operator: user };
}

/** An operator signs in on a login form (the authorization pages, the operator console). */
export function signIn(
  ctx: AppContext,
  throttle: LoginThrottle | undefined,
  input: { mall: Mall; userId: string; password: string; ip: string; traceId: string; clientId: string | null },
): Promise<SignInResult> {
  const mallId = input.mall.mallId;
  return throttledSignIn(ctx, throttle, { ...input, realm: mallId, mallId, wrong: 'The operator ID or password is wrong.' }, () =>
    authenticateOperator(ctx, input.mall, input.userId, input.password),
  );
}
