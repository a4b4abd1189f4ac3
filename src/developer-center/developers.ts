import { ApiError } from '../errors.js';
import { seedSampleData } from '../api/sample-data.js';
import type { App, Developer, Mall, Operator } from '../store/types.js';
import type { AppContext } from '../app-context.js';
import { OAuthError } from '../oauth/errors.js';
import type { LoginThrottle } from '../throttle/login-throttle.js';
import { throttledSignIn, type SignInResult } from '../operator-console/operator-login.js';
import { checkAppFields, createApp, createMall, RegistryError, type CreatedApp, type RegistryDeps } from '../registry/registry.js';
import { hashPassword, randomAlnum, randomText, verifyPassword } from '../oauth/secrets.js';

/**
 * The developer center (issue 11): developer accounts, their apps, secret rotation with grace,
 * and "test run" in a sandbox mall of their own. Input errors are RegistryError (shown on the form).
 */

/** The throttle's realm of developer logins (login-throttle.ts keys by realm and account). */
const REALM = '@developers';
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,189}\.[^\s@]{1,60}$/;

const deps = (ctx: AppContext): RegistryDeps => ({ store: ctx.store, clock: ctx.clock, hasher: ctx.hasher, secretSealer: ctx.secretSealer });
export const normalEmail = (email: string) => email.trim().toLowerCase();

export async function signUp(d: RegistryDeps, input: { email: string; name: string; password: string; platformAdmin?: boolean }): Promise<Developer> {
  const email = normalEmail(input.email);
  if (!EMAIL.test(email) || email.length > 254) throw new RegistryError('email must be an address like name@example.com');
  const name = input.name.trim() || email;
  if (name.length > 200) throw new RegistryError('name must be at most 200 characters');
  if (input.password.length < 8 || input.password.length > 1024) throw new RegistryError('password must be 8 to 1024 characters');
  if (await d.store.developers.byEmail(email)) throw new RegistryError('an account with this email exists');
  const developer: Developer = {
    developerId: `dev_${randomAlnum(20)}`,
    email,
    name,
    passwordHash: await hashPassword(input.password),
    platformAdmin: input.platformAdmin === true,
    sandboxMallId: null,
    createdAt: d.clock.now(),
  };
  await d.store.developers.create(developer);
  return developer;
}

/** A developer signs in: the operator login's throttling and audit, the same password check work for unknown emails. */
export function signInDeveloper(
  ctx: AppContext,
  throttle: LoginThrottle | undefined,
  input: { email: string; password: string; ip: string; traceId: string },
): Promise<SignInResult<Developer>> {
  const email = normalEmail(input.email).slice(0, 254);
  return throttledSignIn(ctx, throttle, { realm: REALM, mallId: null, userId: email, ip: input.ip, traceId: input.traceId, clientId: null, wrong: 'The email or password is wrong.' }, async () => {
    const developer = input.password.length <= 1024 ? await ctx.store.developers.byEmail(email) : undefined;
    return (await verifyPassword(input.password.slice(0, 1024), developer?.passwordHash)) ? developer : undefined;
  });
}

/** The app if the developer owns it (or, for a platform admin, if no one does); else 404. */
export async function ownedApp(ctx: AppContext, developer: Developer, clientId: string): Promise<App> {
  const app = await ctx.store.apps.get(clientId);
  const owner = app ? await ctx.store.developers.ownerOf(clientId) : undefined;
  if (!app || app.kind !== 'app' || app.revokedAt !== null || owner !== developer.developerId) throw new ApiError('not_found', 'no such app');
  return app;
}

export async function appsOf(ctx: AppContext, developer: Developer): Promise<App[]> {
  const ids = await ctx.store.developers.appsOf(developer.developerId);
  const apps = await Promise.all(ids.map((id) => ctx.store.apps.get(id)));
  return apps.filter((a): a is App => a !== undefined);
}

type Meta = { ip: string; traceId: string };

export async function registerApp(
  ctx: AppContext,
  developer: Developer,
  input: { name: string; appUrl: string; redirectUris: string[]; scopes: string[]; public: boolean },
  meta: Meta,
): Promise<CreatedApp> {
  const created = await ctx.store.transaction(async (store) => {
    const made = await createApp({ ...deps(ctx), store }, input);
    await store.developers.own(made.app.clientId, developer.developerId);
    await ctx.audit.write(store, { type: 'app.registered', clientId: made.app.clientId, userId: developer.email, ...meta, detail: { client_type: made.app.clientType } });
    return made;
  });
  return created;
}

export async function updateApp(ctx: AppContext, developer: Developer, clientId: string, input: { name: string; appUrl: string; redirectUris: string[]; scopes: string[] }, meta: Meta): Promise<App> {
  const app = await ownedApp(ctx, developer, clientId);
  const fields = checkAppFields(input);
  await ctx.store.transaction(async (store) => {
    await store.apps.update(app.clientId, fields);
    await ctx.audit.write(store, { type: 'app.updated', clientId, userId: developer.email, ...meta });
  });
  return { ...app, ...fields };
}

/**
 * A new client secret, shown once. The old one stops at once (`graceMs` 0) or keeps working
 * until now + graceMs (client-auth.ts checks it after the current one). The sealed copy for App
 * URL launches is replaced in the same transaction, so launches are signed with the new one.
 */
export async function rotateSecret(ctx: AppContext, developer: Developer, clientId: string, graceMs: number, meta: Meta): Promise<{ clientSecret: string; previousUntil: number | null }> {
  const app = await ownedApp(ctx, developer, clientId);
  if (app.clientType !== 'confidential' || app.secretHash === null) throw new RegistryError('a public client has no secret to rotate');
  const clientSecret = randomAlnum(32);
  const now = ctx.clock.now();
  const previousUntil = graceMs > 0 ? now + graceMs : null;
  await ctx.store.transaction(async (store) => {
    await store.apps.setSecretHash(clientId, ctx.hasher.hash(clientSecret, 'client'));
    await store.appSecrets.put({ clientId, sealedSecret: ctx.secretSealer.seal(clientId, clientSecret), createdAt: now });
    await store.appSecrets.setPrevious(clientId, previousUntil === null ? null : { secretHash: app.secretHash!, expiresAt: previousUntil });
    await ctx.audit.write(store, { type: 'app.secret_rotated', clientId, userId: developer.email, ...meta, detail: { grace_seconds: Math.round(graceMs / 1000) } });
  });
  return { clientSecret, previousUntil };
}

/** Deletes (revokes) the app: every grant and token of it in every mall dies at once. */
export async function deleteApp(ctx: AppContext, developer: Developer, clientId: string, meta: Meta): Promise<void> {
  await ownedApp(ctx, developer, clientId);
  await ctx.store.transaction(async (store) => {
    await store.apps.revoke(clientId, ctx.clock.now());
    await ctx.audit.write(store, { type: 'app.deleted', clientId, userId: developer.email, ...meta });
  });
}

/** A platform admin adopts an app no developer owns. */
export async function adoptApp(ctx: AppContext, developer: Developer, clientId: string): Promise<void> {
  if (!developer.platformAdmin) throw new OAuthError('access_denied', 'only platform admins can adopt apps', { status: 403 });
  if (!(await ctx.store.developers.unowned()).includes(clientId)) throw new ApiError('not_found', 'no such unowned app');
  await ctx.store.developers.own(clientId, developer.developerId);
}

/** The sandbox mall's representative operator: the developer, by this user id, with the developer's password. */
export const SANDBOX_OPERATOR = 'developer';

/**
 * "Test run": the developer's sandbox mall, made once with sample data (api/sample-data.ts) and
 * the developer as its representative operator (the same password), then reused.
 */
export async function sandboxOf(ctx: AppContext, developer: Developer): Promise<{ mall: Mall; operator: Operator }> {
  const existing = developer.sandboxMallId ? await ctx.store.malls.get(developer.sandboxMallId) : undefined;
  if (!existing) {
    await ctx.store.transaction(async (store) => {
      const tx = { ...deps(ctx), store };
      const mall = await createMall(tx, { mallId: `sandbox-${randomText(5, 'hex')}`, name: `${developer.name} sandbox` });
      // The developer signs in to the sandbox with the developer center's password (its scrypt hash).
      await store.operators.add({ mallId: mall.mallId, userId: SANDBOX_OPERATOR, passwordHash: developer.passwordHash, userType: 'P', name: developer.name, createdAt: ctx.clock.now() });
      await seedSampleData(tx, mall, { counts: { products: 24, customers: 30, orders: 50 } });
      await store.developers.setSandboxMall(developer.developerId, mall.mallId);
    });
  }
  const fresh = await ctx.store.developers.get(developer.developerId);
  const mall = await ctx.store.malls.get(fresh!.sandboxMallId!);
  const operator = await ctx.store.operators.get(mall!.mallId, SANDBOX_OPERATOR);
  return { mall: mall!, operator: operator! };
}
