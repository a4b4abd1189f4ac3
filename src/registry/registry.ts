import type { Clock } from '../clock.js';
import type { App, Grant, Mall, OperatorType, Store } from '../store/types.js';
import { parseRateLimit } from '../config.js';
import { isTimeZone } from '../time/local-time.js';
import { hashPassword, randomAlnum, type SecretHasher } from '../oauth/secrets.js';
import type { Sealer } from '../keys/sealing.js';
import { validateRegisteredScopes } from '../oauth/scopes.js';
import { emit } from '../webhooks/outbox.js';

/**
 * The registry of malls, operators and apps: used by the CLI, the demo seed and the consoles.
 * Input errors throw RegistryError with a message fit to show the person who typed it.
 */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
}

const MALL_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;
const USER_ID = /^[A-Za-z0-9._@-]{1,64}$/;

export interface RegistryDeps {
  store: Store;
  clock: Clock;
  hasher: SecretHasher;
  /**
   * Seals an app's client secret for App URL launches (operator-console/app-launch.ts). Every server, CLI
   * and demo path passes it; an app created without it cannot be launched.
   */
  secretSealer?: Sealer;
}

export async function createMall(deps: RegistryDeps, input: { mallId: string; name?: string; timezone?: string }): Promise<Mall> {
  if (!MALL_ID.test(input.mallId)) throw new RegistryError('mall id must be 2-63 lower-case letters, digits or dashes');
  const timezone = input.timezone ?? 'Asia/Seoul';
  if (!isTimeZone(timezone)) throw new RegistryError(`unknown time zone: ${timezone}`);
  if (await deps.store.malls.get(input.mallId)) throw new RegistryError(`mall ${input.mallId} already exists`);
  const mall: Mall = { mallId: input.mallId, name: input.name ?? input.mallId, timezone, shopNo: 1, createdAt: deps.clock.now() };
  await deps.store.malls.create(mall);
  return mall;
}

export async function addOperator(
  deps: RegistryDeps,
  input: { mallId: string; userId: string; password: string; userType: OperatorType; name?: string },
): Promise<{ mallId: string; userId: string; userType: OperatorType; name: string }> {
  if (!(await deps.store.malls.get(input.mallId))) throw new RegistryError(`no mall ${input.mallId}`);
  if (!USER_ID.test(input.userId)) throw new RegistryError('user id must be 1-64 letters, digits or ._@-');
  if (input.password.length < 8 || input.password.length > 1024) throw new RegistryError('password must be 8 to 1024 characters');
  if (await deps.store.operators.get(input.mallId, input.userId)) throw new RegistryError(`operator ${input.userId} already exists in ${input.mallId}`);
  const name = input.name ?? input.userId;
  await deps.store.operators.add({
    mallId: input.mallId,
    userId: input.userId,
    passwordHash: await hashPassword(input.password),
    userType: input.userType,
    name,
    createdAt: deps.clock.now(),
  });
  return { mallId: input.mallId, userId: input.userId, userType: input.userType, name };
}

/** RFC 8252 §7.3 and §8.3: the loopback interface, as an IP literal (any port) or `localhost`. */
export function isLoopback(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(url.hostname);
}

/** `text` parsed as an absolute URL, or a RegistryError saying `refusal`. */
function absoluteUrl(text: string, refusal: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new RegistryError(refusal);
  }
}

/**
 * RFC 6749 §3.1.2: absolute, no fragment. RFC 9700 §2.1: compared later by exact string.
 * RFC 6749 §3.1.2.1 and RFC 9700 §4.1: plain http only on the loopback interface (RFC 8252 §7.3,
 * any port); https, or a native app's private-use scheme (RFC 8252 §7.1), elsewhere.
 */
function checkRedirectUri(uri: string, insecureHttp: boolean): string {
  const url = absoluteUrl(uri, `redirect URI is not an absolute URI: ${uri}`);
  if (url.hash !== '' || uri.includes('#')) throw new RegistryError(`redirect URI must not have a fragment: ${uri}`);
  if (['javascript:', 'data:', 'vbscript:', 'file:', 'blob:'].includes(url.protocol)) throw new RegistryError(`redirect URI scheme not allowed: ${uri}`);
  if (url.protocol === 'http:' && !isLoopback(url) && !insecureHttp) {
    throw new RegistryError(`redirect URI must use https (plain http only on loopback: 127.0.0.1, [::1] or localhost): ${uri}`);
  }
  return uri;
}

/** wire.md, App URL: where launches go with a signed query; https, or http on loopback (a local app). */
function checkAppUrl(appUrl: string, insecureHttp: boolean): string {
  const url = absoluteUrl(appUrl, `App URL is not an absolute URL: ${appUrl}`);
  const ok = url.protocol === 'https:' || (url.protocol === 'http:' && (isLoopback(url) || insecureHttp));
  if (!ok) throw new RegistryError(`App URL must be https (or http on loopback: 127.0.0.1, [::1] or localhost): ${appUrl}`);
  return appUrl;
}

/** The scopes (known Cafe24 scopes, deduplicated) and rate limit of an app or API credentials. */
export function checkAccess(input: { scopes: string[]; rateLimit?: string }): string[] {
  try {
    const scopes = validateRegisteredScopes(input.scopes);
    if (input.rateLimit !== undefined) parseRateLimit(input.rateLimit);
    return scopes;
  } catch (error) {
    throw new RegistryError((error as Error).message);
  }
}

/**
 * What a developer may set of an app (registration and edit), checked and normalized: redirect
 * URIs and App URL by the rules above (`insecureHttp`: plain http beyond loopback, CLI only).
 */
export function checkAppFields(input: { name: string; appUrl: string; redirectUris: string[]; scopes: string[]; rateLimit?: string; insecureHttp?: boolean }): { name: string; appUrl: string; redirectUris: string[]; scopes: string[] } {
  if (!input.name.trim() || input.name.length > 200) throw new RegistryError('app name must be 1 to 200 characters');
  if (input.redirectUris.length === 0) throw new RegistryError('at least one redirect URI is required');
  const insecureHttp = input.insecureHttp === true;
  const redirectUris = [...new Set(input.redirectUris.map((uri) => checkRedirectUri(uri, insecureHttp)))];
  checkAppUrl(input.appUrl, insecureHttp);
  return { name: input.name.trim(), appUrl: input.appUrl, redirectUris, scopes: checkAccess(input) };
}

export interface CreatedApp {
  app: App;
  /** Shown once; stored as a keyed hash (and sealed for App URL launches). Null for public clients. */
  clientSecret: string | null;
}

export async function createApp(
  deps: RegistryDeps,
  input: {
    name: string;
    redirectUris: string[];
    appUrl: string;
    scopes: string[];
    public?: boolean;
    rateLimit?: string;
    apiVersion?: string;
    /** Fixed credentials (the demo seed); normally both are random. */
    clientId?: string;
    clientSecret?: string;
    /** The demo seed only: its URIs are the server's own address, which may be plain http beyond loopback. */
    insecureHttp?: boolean;
  },
): Promise<CreatedApp> {
  const { redirectUris, scopes } = checkAppFields(input);
  if (input.apiVersion !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(input.apiVersion)) throw new RegistryError('API version must be YYYY-MM-DD');
  const isPublic = input.public === true;
  const clientSecret = isPublic ? null : (input.clientSecret ?? randomAlnum(32));
  const app: App = {
    clientId: input.clientId ?? randomAlnum(22),
    secretHash: clientSecret === null ? null : deps.hasher.hash(clientSecret, 'client'),
    kind: 'app',
    mallId: null,
    name: input.name.trim(),
    appUrl: input.appUrl,
    redirectUris,
    scopes,
    clientType: isPublic ? 'public' : 'confidential',
    rateLimit: input.rateLimit ?? null,
    apiVersion: input.apiVersion ?? null,
    createdAt: deps.clock.now(),
    revokedAt: null,
  };
  // wire.md, App URL launch: the hmac is keyed with the client secret, so it is kept too, sealed
  // with the client_id as associated data, in the same transaction as the app.
  const sealedSecret = clientSecret !== null && deps.secretSealer ? deps.secretSealer.seal(app.clientId, clientSecret) : null;
  await deps.store.transaction(async (store) => {
    await store.apps.create(app);
    if (sealedSecret !== null) await store.appSecrets.add({ clientId: app.clientId, sealedSecret, createdAt: app.createdAt });
  });
  return { app, clientSecret };
}

/**
 * An operator withdraws an app's access to the mall: its live grants there (one operator's, or
 * every operator's) and every token issued under them are revoked at once.
 */
export async function revokeGrants(deps: RegistryDeps, input: { mallId: string; clientId: string; userId?: string }): Promise<Grant[]> {
  const mall = await deps.store.malls.get(input.mallId);
  if (!mall) throw new RegistryError(`no mall ${input.mallId}`);
  const ofApp = (await deps.store.grants.list(input.mallId)).filter((g) => g.clientId === input.clientId && g.revokedAt === null);
  const live = ofApp.filter((g) => input.userId === undefined || g.userId === input.userId);
  if (live.length === 0) throw new RegistryError(`app ${input.clientId} holds no live grant in mall ${input.mallId}${input.userId ? ` from ${input.userId}` : ''}`);
  const now = deps.clock.now();
  return deps.store.transaction(async (store) => {
    // Issue 12: the last grant going uninstalls the app: its app.uninstalled event (to it alone,
    // while it still counts as installed), and nothing else of it goes out any more.
    const uninstalled = live.length === ofApp.length;
    if (uninstalled) await emit(store, deps.clock, mall, 'app.uninstalled', [{ client_id: input.clientId }], { only: input.clientId });
    const revoked: Grant[] = [];
    for (const g of live) if (await store.grants.revoke(g.grantId, now)) revoked.push({ ...g, revokedAt: now });
    if (uninstalled) await store.webhooks.cancelPending(input.mallId, input.clientId, now, 'app.uninstalled');
    return revoked;
  });
}
