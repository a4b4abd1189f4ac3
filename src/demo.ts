import { createHmac } from 'node:crypto';
import type { AppContext } from './app-context.js';
import { addOperator, createApp, createMall } from './registry/registry.js';
import { KNOWN_SCOPES } from './oauth/scopes.js';

export interface DemoCredentials {
  mall_id: string;
  operator: { user_id: string; password: string };
  app: { client_id: string; client_secret: string; redirect_uri: string; scopes: string[] };
  authorize_url: string;
  /** The mall's operator console: the installed apps, opened with the App URL launch. */
  console_url: string;
}

export const DEMO_MALL = 'demo';
export const DEMO_CLIENT_ID = 'shopauthDemoApp0000001';

const demoSecret = (serverKey: Buffer, what: string) => createHmac('sha256', serverKey).update(`demo\0${what}`).digest('base64url').slice(0, 24);

/** The demo app's client secret (its App URL page checks launches with it). */
export const demoClientSecret = (serverKey: Buffer): string => demoSecret(serverKey, 'client');

/**
 * Seeds a demo mall, representative operator and app, idempotently. The demo password and
 * client secret are derived from the server key, so a restart prints the same ones without
 * keeping them anywhere in plaintext.
 */
export async function seedDemo(ctx: AppContext, baseUrl: string): Promise<DemoCredentials> {
  const password = demoSecret(ctx.serverKey, 'operator');
  const clientSecret = demoClientSecret(ctx.serverKey);
  const redirectUri = `${baseUrl}/demo/callback`;
  const scopes = KNOWN_SCOPES.filter((s) => /^mall\.(read|write)_(store|product|order|customer)$/.test(s));
  await ctx.store.transaction(async (store) => {
    const tx = { ...ctx, store };
    if (!(await store.malls.get(DEMO_MALL))) await createMall(tx, { mallId: DEMO_MALL, name: 'Demo Shop' });
    if (!(await store.operators.get(DEMO_MALL, 'admin'))) await addOperator(tx, { mallId: DEMO_MALL, userId: 'admin', password, userType: 'P', name: 'Demo Admin' });
    const existing = await store.apps.get(DEMO_CLIENT_ID);
    if (!existing) {
      await createApp(tx, { name: 'Demo App', appUrl: `${baseUrl}/demo`, redirectUris: [redirectUri], scopes, clientId: DEMO_CLIENT_ID, clientSecret, insecureHttp: true });
    } else if (!existing.redirectUris.includes(redirectUri)) {
      throw new Error(`the demo app is registered for ${existing.redirectUris.join(', ')}; serve on that address or use a fresh --db`);
    } else if (!(await store.appSecrets.get(DEMO_CLIENT_ID))) {
      // A demo database from before App URL launches: its secret is derivable, so keep it sealed now.
      await store.appSecrets.add({ clientId: DEMO_CLIENT_ID, sealedSecret: ctx.secretSealer.seal(DEMO_CLIENT_ID, clientSecret), createdAt: ctx.clock.now() });
    }
  });
  const query = new URLSearchParams({ response_type: 'code', client_id: DEMO_CLIENT_ID, state: 'demo-state', redirect_uri: redirectUri, scope: scopes.join(',') });
  return {
    mall_id: DEMO_MALL,
    operator: { user_id: 'admin', password },
    app: { client_id: DEMO_CLIENT_ID, client_secret: clientSecret, redirect_uri: redirectUri, scopes },
    authorize_url: `${baseUrl}/malls/${DEMO_MALL}/api/v2/oauth/authorize?${query.toString()}`,
    console_url: `${baseUrl}/malls/${DEMO_MALL}/console`,
  };
}
