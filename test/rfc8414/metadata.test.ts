import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { KNOWN_SCOPES } from '../../src/oauth/scopes.js';
import { seedMall } from '../support/fixtures.js';
import { expectTokenError } from '../support/oauth.js';
import { startServer, type TestServer } from '../support/server.js';

/** RFC 8414 authorization server metadata, per mall, at both well-known locations. */
let s: TestServer;

beforeAll(async () => {
  s = await startServer();
  await seedMall(s, 'mall1');
  await seedMall(s, 'mall2');
});
afterAll(() => s?.close());

const expected = (base: string, mallId: string) => {
  const issuer = `${base}/malls/${mallId}`;
  return {
    issuer,
    authorization_endpoint: `${issuer}/api/v2/oauth/authorize`,
    token_endpoint: `${issuer}/api/v2/oauth/token`,
    revocation_endpoint: `${issuer}/api/v2/oauth/revoke`,
    introspection_endpoint: `${issuer}/api/v2/oauth/introspect`,
    jwks_uri: `${base}/.well-known/jwks.json`,
    scopes_supported: KNOWN_SCOPES,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
  };
};

describe('RFC 8414 metadata', () => {
  test('§3.1 form: /.well-known/oauth-authorization-server/malls/{mall_id}', async () => {
    const res = await fetch(`${s.url}/.well-known/oauth-authorization-server/malls/mall1`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual(expected(s.url, 'mall1'));
  });

  test('issuer-suffix form: /malls/{mall_id}/.well-known/oauth-authorization-server, identical', async () => {
    const a = await (await fetch(`${s.url}/.well-known/oauth-authorization-server/malls/mall2`)).json();
    const b = await (await fetch(`${s.mallUrl('mall2')}/.well-known/oauth-authorization-server`)).json();
    expect(b).toEqual(a);
    expect(b).toEqual(expected(s.url, 'mall2'));
  });

  test('§3.3: the issuer is exactly the URL the document was derived from; the endpoints it names answer', async () => {
    const meta = (await (await fetch(`${s.url}/.well-known/oauth-authorization-server/malls/mall1`)).json()) as Record<string, string>;
    expect(meta.issuer).toBe(s.mallUrl('mall1'));
    for (const name of ['token_endpoint', 'revocation_endpoint', 'introspection_endpoint']) {
      const body = 'grant_type=refresh_token&refresh_token=x&token=x';
      const res = await fetch(meta[name]!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      await expectTokenError(res, 401, 'invalid_client', 'client authentication failed'); // there, and asking for client authentication
    }
  });

  test('the public URL setting is the base of the issuer and jwks_uri', async () => {
    const p = await startServer({ config: { publicUrl: 'https://auth.example.com' } });
    try {
      await seedMall(p, 'mall1');
      const meta = await (await fetch(`${p.url}/.well-known/oauth-authorization-server/malls/mall1`)).json();
      expect(meta).toEqual(expected('https://auth.example.com', 'mall1'));
    } finally {
      await p.close();
    }
  });

  test('unknown mall: 404 at both locations', async () => {
    for (const url of [`${s.url}/.well-known/oauth-authorization-server/malls/nomall`, `${s.url}/malls/nomall/.well-known/oauth-authorization-server`]) {
      const res = await fetch(url);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: 404, message: 'no such mall' } });
    }
  });
});
