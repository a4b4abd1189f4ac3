import { addOperator, createApp, createMall } from '../../src/registry/registry.js';
import type { TestServer } from './server.js';

export const PASSWORD = 'correct horse battery';

const deps = (s: TestServer) => s.ctx;

/** A mall with a representative operator `boss` and a sub-operator `helper`. */
export async function seedMall(s: TestServer, mallId = 'mall1', options: { timezone?: string } = {}) {
  await createMall(deps(s), { mallId, name: `Shop ${mallId}`, ...options });
  await addOperator(deps(s), { mallId, userId: 'boss', password: PASSWORD, userType: 'P', name: 'Boss' });
  await addOperator(deps(s), { mallId, userId: 'helper', password: PASSWORD, userType: 'A', name: 'Helper' });
  return { mallId };
}

export const REDIRECT_URI = 'https://app.example/oauth/callback';

/** A confidential app (or public with `public: true`). */
export async function seedApp(
  s: TestServer,
  options: { scopes?: string[]; public?: boolean; redirectUris?: string[]; rateLimit?: string } = {},
) {
  const { app, clientSecret } = await createApp(deps(s), {
    name: 'Test App',
    appUrl: 'https://app.example/',
    redirectUris: options.redirectUris ?? [REDIRECT_URI],
    scopes: options.scopes ?? ['mall.read_store', 'mall.read_product', 'mall.read_order'],
    ...(options.public ? { public: true } : {}),
    ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
  });
  return { clientId: app.clientId, clientSecret: clientSecret ?? '', app };
}

export const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
