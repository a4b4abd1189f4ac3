import { ApiError } from '../errors.js';
import type { App, Grant, Mall, Operator } from '../store/types.js';
import type { AppContext } from '../app-context.js';
import { OAuthError } from '../oauth/errors.js';
import { RegistryError, revokeGrants } from '../registry/registry.js';

/** One operator's consent to an installed app. */
export interface Consent {
  userId: string;
  /** The operator's name, or the user id if that operator is gone. */
  name: string;
  scopes: string[];
  /** The latest consent (a new consent replaces the scopes). */
  at: number;
}

/** An app installed in a mall: it holds at least one live grant there. */
export interface InstalledApp {
  app: App;
  consents: Consent[];
  /** A sealed client secret is kept, so the App URL launch can be signed (operator-console/app-launch.ts). */
  launchable: boolean;
}

async function describe(ctx: AppContext, app: App, grants: Grant[]): Promise<InstalledApp> {
  const consents: Consent[] = [];
  for (const g of grants) {
    const who = await ctx.store.operators.get(g.mallId, g.userId);
    consents.push({ userId: g.userId, name: who?.name ?? g.userId, scopes: g.scopes, at: g.updatedAt });
  }
  const launchable = app.clientType === 'confidential' && (await ctx.store.appSecrets.get(app.clientId)) !== undefined;
  return { app, consents, launchable };
}

/** An app of the platform as the console's install list shows it. */
export interface PlatformApp {
  app: App;
  installed: boolean;
  launchable: boolean;
}

/** The platform's live apps, for the console's install list; those installed in the mall are marked. */
export async function platformApps(ctx: AppContext, mall: Mall): Promise<PlatformApp[]> {
  const installed = new Set((await ctx.store.grants.list(mall.mallId)).filter((g) => g.revokedAt === null).map((g) => g.clientId));
  const out: PlatformApp[] = [];
  for (const app of await ctx.store.apps.list({ kind: 'app' })) {
    if (app.revokedAt !== null) continue;
    const launchable = app.clientType === 'confidential' && (await ctx.store.appSecrets.get(app.clientId)) !== undefined;
    out.push({ app, installed: installed.has(app.clientId), launchable });
  }
  return out;
}

/** A live app of the platform that can be installed (launched for the first time); 404 otherwise. */
export async function installableApp(ctx: AppContext, clientId: string): Promise<InstalledApp> {
  const app = await ctx.store.apps.get(clientId);
  if (!app || app.kind !== 'app' || app.revokedAt !== null) throw new ApiError('not_found', 'no such app');
  return describe(ctx, app, []);
}

/** The mall's installed apps, in the order they were first let in: live grants of live apps. */
export async function installedApps(ctx: AppContext, mall: Mall): Promise<InstalledApp[]> {
  const byApp = new Map<string, Grant[]>();
  for (const g of await ctx.store.grants.list(mall.mallId)) {
    if (g.revokedAt !== null) continue;
    const list = byApp.get(g.clientId) ?? [];
    list.push(g);
    byApp.set(g.clientId, list);
  }
  const out: InstalledApp[] = [];
  for (const [clientId, grants] of byApp) {
    const app = await ctx.store.apps.get(clientId);
    if (app && app.kind === 'app' && app.revokedAt === null) out.push(await describe(ctx, app, grants));
  }
  return out;
}

const notInstalled = () => new ApiError('not_found', 'the app is not installed in this mall');

/** One installed app; 404 when the app is unknown, revoked, or holds no live grant in the mall. */
export async function installedApp(ctx: AppContext, mall: Mall, clientId: string): Promise<InstalledApp> {
  const app = await ctx.store.apps.get(clientId);
  if (!app || app.kind !== 'app' || app.revokedAt !== null) throw notInstalled();
  const grants = (await ctx.store.grants.list(mall.mallId)).filter((g) => g.clientId === clientId && g.revokedAt === null);
  if (grants.length === 0) throw notInstalled();
  return describe(ctx, app, grants);
}

/**
 * The representative operator removes an app from the mall: every live grant of the app there
 * is revoked, with every token issued under them, at once; each is audited as `grant.revoked`.
 * Sub-operators may open apps but not remove them (403).
 */
export async function removeApp(
  ctx: AppContext,
  mall: Mall,
  operator: Operator,
  clientId: string,
  meta: { ip: string; traceId: string },
): Promise<Grant[]> {
  if (operator.userType !== 'P') throw new OAuthError('access_denied', 'only the representative operator can remove apps');
  let revoked: Grant[];
  try {
    // The revocations and their events in one transaction (docs/store.md).
    revoked = await ctx.store.transaction(async (store) => {
      const done = await revokeGrants({ store, clock: ctx.clock, hasher: ctx.hasher }, { mallId: mall.mallId, clientId });
      for (const g of done) {
        await ctx.audit.write(store, { type: 'grant.revoked', mallId: mall.mallId, clientId, userId: g.userId, ...meta, detail: { grant_id: g.grantId, by: operator.userId } });
      }
      return done;
    });
  } catch (error) {
    if (error instanceof RegistryError) throw notInstalled();
    throw error;
  }
  return revoked;
}
