import { addOperator } from '../../src/registry/registry.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { authorize, Browser, expectPageRefusal } from '../support/browser.js';
import { PASSWORD, REDIRECT_URI, seedApp, seedMall } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/server.js';

/** Each error of the authorization endpoint (wire.md, seed table; RFC 6749 §4.1.2.1). */
let s: TestServer;
let clientId: string;
let base: string;

beforeAll(async () => {
  s = await startServer();
  await seedMall(s, 'mall1');
  ({ clientId } = await seedApp(s));
  base = `${s.mallUrl('mall1')}/api/v2/oauth/authorize`;
});
afterAll(() => s.close());

const url = (params: Record<string, string>) => `${base}?${new URLSearchParams(params).toString()}`;
const good = () => ({ response_type: 'code', client_id: clientId, state: 'st', redirect_uri: REDIRECT_URI, scope: 'mall.read_store' });
const without = (name: string) => {
  const p: Record<string, string> = good();
  delete p[name];
  return p;
};

describe('errors shown to the person, never redirected (RFC 6749 §4.1.2.1)', () => {
  test.each([
    ['client_id missing', () => without('client_id'), 'client_id is required'],
    ['client_id unknown', () => ({ ...good(), client_id: 'NoSuchClient000000000' }), 'client_id does not name a registered app'],
    ['redirect_uri missing', () => without('redirect_uri'), 'redirect_uri is required'],
    ['redirect_uri not registered', () => ({ ...good(), redirect_uri: 'https://evil.example/cb' }), 'redirect_uri is not registered for this app'],
    ['redirect_uri differing only by a trailing slash', () => ({ ...good(), redirect_uri: `${REDIRECT_URI}/` }), 'redirect_uri is not registered for this app'],
  ])('%s: 400 HTML page, no Location', async (_, params, description) => {
    const res = await fetch(url(params()), { redirect: 'manual' });
    expect(res.headers.get('location')).toBeNull();
    const html = await res.clone().text();
    await expectPageRefusal(res, 400, `invalid_request: ${description}`);
    expect(html).toContain(`trace_id: ${res.headers.get('x-trace-id')}`);
  });

  test('repeated client_id: 400 page, no redirect', async () => {
    const res = await fetch(`${url(good())}&client_id=${clientId}`, { redirect: 'manual' });
    expect(res.headers.get('location')).toBeNull();
    await expectPageRefusal(res, 400, 'invalid_request: client_id is repeated');
  });
});

describe('errors redirected to the client with error, error_description, state, trace_id, iss', () => {
  test.each([
    ['response_type missing', () => without('response_type'), 'unsupported_response_type', 'response_type is required'],
    ['response_type=token', () => ({ ...good(), response_type: 'token' }), 'unsupported_response_type', 'response_type must be code'],
    ['scope missing', () => without('scope'), 'invalid_request', 'scope is required'],
    ['scope outside the registered ones', () => ({ ...good(), scope: 'mall.read_store,mall.write_order' }), 'invalid_scope', 'scope not allowed for this app: mall.write_order'],
    ['scope malformed', () => ({ ...good(), scope: 'mall.read_store "x"' }), 'invalid_scope', 'the scope parameter is malformed'],
    ['code_challenge_method plain', () => ({ ...good(), code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }), 'invalid_request', 'code_challenge_method must be S256'],
  ])('%s', async (_, params, error, description) => {
    const res = await fetch(url(params()), { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(Object.fromEntries(location.searchParams)).toEqual({
      error,
      error_description: description,
      state: 'st',
      trace_id: res.headers.get('x-trace-id'),
      iss: s.mallUrl('mall1'),
    });
  });

  test('comma- and space-separated scopes are both accepted', async () => {
    for (const scope of ['mall.read_store,mall.read_product', 'mall.read_store mall.read_product']) {
      const res = await fetch(url({ ...good(), scope }), { redirect: 'manual' });
      expect(res.status).toBe(200);
    }
  });

  test('the operator denies: access_denied', async () => {
    const location = await authorize(s, { mallId: 'mall1', clientId, scope: 'mall.read_store', state: 'st', decision: 'deny' });
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('error_description')).toBe('the operator denied the request');
    expect(location.searchParams.get('state')).toBe('st');
    expect(location.searchParams.get('iss')).toBe(s.mallUrl('mall1'));
  });

  test('a sub-operator (type A) is refused with access_denied, and gets no code', async () => {
    const location = await authorize(s, { mallId: 'mall1', clientId, scope: 'mall.read_store', state: 'st', userId: 'helper', password: PASSWORD });
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('error_description')).toBe('only the representative operator can approve apps');
    expect(location.searchParams.get('code')).toBeNull();
  });

  test('an operator of another mall cannot sign in here: 401, the same answer as a wrong password', async () => {
    await seedMall(s, 'mall2');
    await addOperator({ store: s.store, clock: s.clock, hasher: s.ctx.hasher, secretSealer: s.ctx.secretSealer }, { mallId: 'mall2', userId: 'elsewhere', password: PASSWORD, userType: 'P', name: 'Elsewhere' });
    const signIn = async (mallId: string, userId: string) => {
      const browser = new Browser();
      const target = `${s.mallUrl(mallId)}/api/v2/oauth/authorize?${new URLSearchParams(good()).toString()}`;
      const csrf = /name="csrf_token" value="([^"]*)"/.exec(await (await browser.get(target)).text())![1]!;
      return browser.post(target, { csrf_token: csrf, user_id: userId, password: PASSWORD });
    };
    // The operator exists and signs in at their own mall (303 back to the authorize URL, for consent) ...
    const own = await signIn('mall2', 'elsewhere');
    expect(own.status).toBe(303);
    expect(own.headers.get('location')).toBe(`/malls/mall2/api/v2/oauth/authorize?${new URLSearchParams(good()).toString()}`);
    // ... and at this mall is refused like a wrong password, with no code.
    const res = await signIn('mall1', 'elsewhere');
    expect(res.headers.get('location')).toBeNull();
    await expectPageRefusal(res, 401, 'The operator ID or password is wrong.');
  });
});

describe('tenancy (wire.md): path form and host form', () => {
  test('an unknown mall is a 404 in the API error shape', async () => {
    const res = await fetch(`${s.mallUrl('nosuchmall')}/api/v2/oauth/authorize?${new URLSearchParams(good()).toString()}`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 404, message: 'no such mall', more_info: {}, trace_id: res.headers.get('x-trace-id') } });
  });

  test('the host form {mall_id}.{mall domain} serves the same routes', async () => {
    const hs = await startServer({ config: { mallDomain: 'shops.test' } });
    try {
      await seedMall(hs, 'hostmall');
      const { clientId: cid } = await seedApp(hs);
      const q = new URLSearchParams({ ...good(), client_id: cid }).toString();
      // fetch forbids setting Host; node:http does not.
      const { request } = await import('node:http');
      const get = (host: string) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const port = new URL(hs.url).port;
          request({ host: '127.0.0.1', port, path: `/api/v2/oauth/authorize?${q}`, headers: { host } }, (res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          })
            .on('error', reject)
            .end();
        });
      const ok = await get('hostmall.shops.test');
      expect(ok.status).toBe(200);
      expect(ok.body).toContain('Sign in to Shop hostmall');
      const unknown = await get('other.shops.test');
      expect(unknown.status).toBe(404);
      expect(JSON.parse(unknown.body)).toMatchObject({ error: { code: 404, message: 'no such mall' } });
    } finally {
      await hs.close();
    }
  });
});
