import { hashPassword } from '../../src/oauth/secrets.js';
import { addOperator, createApp, createMall } from '../../src/registry/registry.js';
import type { OperatorType } from '../../src/store/types.js';
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

let passwordHash: Promise<string> | undefined;

/**
 * An operator whose password is PASSWORD, stored under one scrypt hash made once per test file:
 * each hash costs 128 MiB and about half a second (secrets.ts), too much to make per test.
 */
export async function addTestOperator(s: TestServer, mallId: string, userId: string, userType: OperatorType, name: string) {
  passwordHash ??= hashPassword(PASSWORD);
  await s.store.operators.add({ mallId, userId, passwordHash: await passwordHash, userType, name, createdAt: s.clock.now() });
}

/** seedMall without its two half-second hashes (addTestOperator): cheap enough to run before every test. */
export async function seedMallQuick(s: TestServer, mallId = 'mall1', options: { timezone?: string } = {}) {
  await createMall(deps(s), { mallId, name: `Shop ${mallId}`, ...options });
  await addTestOperator(s, mallId, 'boss', 'P', 'Boss');
  await addTestOperator(s, mallId, 'helper', 'A', 'Helper');
  return { mallId };
}

let mallCount = 0;

/** A mall of one test's own (`{prefix}-{n}`, new on every call): tests that share a server keep their data apart by mall. */
export const freshMall = (s: TestServer, prefix = 'mall', options: { timezone?: string } = {}) => seedMallQuick(s, `${prefix}-${++mallCount}`, options);

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
