import type { App } from '../store/types.js';
import { parseBasic } from '../oauth/client-auth.js';
import type { AppContext } from '../app-context.js';
import { OAuthError } from '../oauth/errors.js';
import { checkAccess, RegistryError, type RegistryDeps } from './registry.js';
import { randomAlnum } from '../oauth/secrets.js';

/**
 * POD Shop API credentials (wire.md, POD Shop dialect): a client ID and key bound to one mall and
 * a set of scopes. Stored as an apps row of kind 'credentials', the key as a keyed hash like a
 * client secret; the key is shown once, at creation.
 */
export interface CreatedCredentials {
  app: App;
  /** What POD Shop calls the Client Key. Shown once; only its hash is stored. */
  clientSecret: string;
}

export async function createCredentials(
  deps: RegistryDeps,
  input: { mallId: string; scopes: string[]; rateLimit?: string; name?: string },
): Promise<CreatedCredentials> {
  if (!(await deps.store.malls.get(input.mallId))) throw new RegistryError(`no mall ${input.mallId}`);
  const name = (input.name ?? 'API credentials').trim();
  if (!name || name.length > 200) throw new RegistryError('name must be 1 to 200 characters');
  const scopes = checkAccess(input);
  const clientSecret = randomAlnum(32);
  const app: App = {
    clientId: randomAlnum(22),
    secretHash: deps.hasher.hash(clientSecret, 'client'),
    kind: 'credentials',
    mallId: input.mallId,
    name,
    appUrl: '',
    redirectUris: [],
    scopes,
    clientType: 'confidential',
    rateLimit: input.rateLimit ?? null,
    apiVersion: null,
    createdAt: deps.clock.now(),
    revokedAt: null,
  };
  await deps.store.apps.create(app);
  return { app, clientSecret };
}

/** Revokes credentials and every token issued to them. */
export async function revokeCredentials(deps: RegistryDeps, clientId: string): Promise<App> {
  const app = await deps.store.apps.get(clientId);
  if (!app || app.kind !== 'credentials') throw new RegistryError(`no API credentials ${clientId}`);
  if (!(await deps.store.apps.revoke(clientId, deps.clock.now()))) throw new RegistryError(`API credentials ${clientId} are already revoked`);
  return app;
}

// Bad credentials: 401 and nothing else (POD Shop document, 1.2): the same error whatever failed.
export const badCredentials = () =>
  new OAuthError('invalid_client', 'client authentication failed', { headers: { 'www-authenticate': 'Basic realm="shopauth"' } });

/**
 * `Authorization: Basic base64(ClientID:ClientKey)` of live API credentials: one lookup and one
 * keyed hash. Anything else (an app's secret included) is `badCredentials`.
 */
export async function authenticateCredentials(ctx: AppContext, authorization: string | undefined): Promise<App & { mallId: string }> {
  const basic = authorization === undefined ? undefined : parseBasic(authorization);
  if (!basic) throw badCredentials();
  const app = await ctx.store.apps.get(basic.id);
  if (!app || app.kind !== 'credentials' || app.mallId === null || app.revokedAt !== null || app.secretHash === null) throw badCredentials();
  if (!ctx.hasher.verify(basic.secret, app.secretHash, 'client')) throw badCredentials();
  return app as App & { mallId: string };
}
