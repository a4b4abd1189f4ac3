import { seedSampleData } from '../../src/api/sample-data.js';
import type { AppConfig } from '../../src/client/index.js';
import { Browser, readForm } from '../support/browser.js';
import { PASSWORD, seedApp, seedMall } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/server.js';

export const CALLBACK = 'http://127.0.0.1:8765/callback';
export const SCOPES = ['mall.read_store', 'mall.read_product', 'mall.write_product', 'mall.read_order', 'mall.read_customer'];

/**
 * The operator's part of the flow, by HTTP requests as a browser makes them: the authorize URL,
 * the login form, the consent form. Returns where the server finally redirects (the app's callback).
 */
export async function consent(url: string, browser = new Browser(), decision: 'allow' | 'deny' = 'allow'): Promise<string> {
  const login = await browser.get(url);
  if (login.status !== 200) throw new Error(`authorize GET: ${login.status} ${await login.text()}`);
  const loginForm = readForm(await login.text(), url);
  const afterLogin = await browser.post(loginForm.action, { csrf_token: loginForm.csrf, user_id: 'boss', password: PASSWORD });
  if (afterLogin.status !== 303) throw new Error(`login POST: ${afterLogin.status} ${await afterLogin.text()}`);
  const next = new URL(afterLogin.headers.get('location')!, url).toString();
  const page = await browser.get(next);
  if (page.status !== 200) throw new Error(`consent GET: ${page.status} ${await page.text()}`);
  const consentForm = readForm(await page.text(), next);
  const done = await browser.post(consentForm.action, { csrf_token: consentForm.csrf, decision });
  if (done.status !== 303) throw new Error(`consent POST: ${done.status} ${await done.text()}`);
  return done.headers.get('location')!;
}

/** A shopauth on loopback with mall1 (a little sample data) and one confidential app registered for CALLBACK. */
export async function startShop(options: { rateLimit?: string } = {}) {
  const s = await startServer();
  await seedMall(s, 'mall1');
  await seedSampleData(s, (await s.store.malls.get('mall1'))!, { counts: { products: 25, customers: 12, orders: 8 } });
  const client = await seedApp(s, { redirectUris: [CALLBACK], scopes: SCOPES, ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}) });
  const app: AppConfig = { base: s.url, mallId: 'mall1', clientId: client.clientId, clientSecret: client.clientSecret };
  return { s, client, app };
}

/** The server's audit log, flushed: how many `token.issued` events of each grant type the client got in mall1. */
export async function issuedByGrant(s: TestServer, clientId: string): Promise<Record<string, number>> {
  await s.ctx.audit.flush();
  const counts: Record<string, number> = {};
  for (const e of await s.store.audit.list({ mallId: 'mall1', type: 'token.issued', limit: 10_000 })) {
    const grant = (e.detail as { grant_type?: string } | null)?.grant_type;
    if (e.clientId === clientId && grant !== undefined) counts[grant] = (counts[grant] ?? 0) + 1;
  }
  return counts;
}

/** Refreshes, authorizations and refresh reuse detections of a client in mall1, from the audit log. */
export async function tokenEvents(s: TestServer, clientId: string): Promise<{ refreshes: number; codes: number; reuse: number }> {
  const issued = await issuedByGrant(s, clientId);
  const reuse = (await s.store.audit.list({ mallId: 'mall1', type: 'refresh.reuse_detected', limit: 10_000 })).filter((e) => e.clientId === clientId).length;
  return { refreshes: issued.refresh_token ?? 0, codes: issued.authorization_code ?? 0, reuse };
}
