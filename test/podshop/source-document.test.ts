import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { revokeCredentials } from '../../src/registry/credentials.js';
import { basic, seedApp, seedMall } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/server.js';
import { base64, curl, DOES_NOT_EXIST, expectPod401, post, seedCredentials, UNAUTHORIZED, type PodTokens } from './support.js';
import { expectApiRefusal, expectRefusal } from '../support/oauth.js';

/**
 * The POD Shop document (../shared/reference/004, "2.1 Get Access Token" and "2.2 ... using refresh
 * token"): its curl requests, unchanged but for the host, against a loopback shopauth.
 */
let s: TestServer;
let creds: { clientId: string; clientKey: string };
let auth: string;

const TOKEN_BODY = {
  access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
  token_type: 'bearer',
  expires_in: 3599,
  refresh_token: expect.stringMatching(/^[\w-]{43}$/),
  refresh_expires_in: 1209599,
};


beforeAll(async () => {
  s = await startServer();
  await seedMall(s, 'mall1');
  await seedMall(s, 'mall2');
  creds = await seedCredentials(s, 'mall1');
  // The document, 1.1 step 3: echo -n 'ClientID:ClientKey' | base64
  auth = `Basic ${base64(`${creds.clientId}:${creds.clientKey}`)}`;
});
afterAll(() => s.close());

async function token(authorization = auth, url = `${s.url}/ac/oauth/ext/token`): Promise<PodTokens> {
  const res = await post(url, authorization);
  expect(res.status).toBe(200);
  return (await res.json()) as PodTokens;
}

const refreshUrl = (refreshToken: string, id = creds.clientId) =>
  `${s.url}/ac/oauth/external/${id}/refresh?refreshToken=${encodeURIComponent(refreshToken)}`;

const expect401 = expectPod401;

describe('the document\'s curl requests', () => {
  test('2.1: POST /ac/oauth/ext/token with Basic, then 2.2: POST /ac/oauth/external/{id}/refresh?refreshToken=', async () => {
    const issued = await curl(['--location', '--request', 'POST', `${s.url}/ac/oauth/ext/token`, '--header', `Authorization: ${auth}`]);
    expect(issued.status).toBe(200);
    expect(issued.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(issued.headers.get('cache-control')).toBe('no-store');
    expect(issued.json()).toEqual(TOKEN_BODY);
    expect(Object.keys(issued.json() as object)).toEqual(['access_token', 'token_type', 'expires_in', 'refresh_token', 'refresh_expires_in']);
    const first = issued.json() as PodTokens;

    const refreshed = await curl(['--location', '--request', 'POST', refreshUrl(first.refresh_token), '--header', `Authorization: ${auth}`]);
    expect(refreshed.status).toBe(200);
    expect(refreshed.headers.get('cache-control')).toBe('no-store');
    expect(refreshed.json()).toEqual(TOKEN_BODY);
    const second = refreshed.json() as PodTokens;
    expect(second.access_token).not.toBe(first.access_token);
    expect(second.refresh_token).not.toBe(first.refresh_token);
  });
});

describe('audit', () => {
  test('issuance and refresh are recorded as token.issued, without any token in the event', async () => {
    const t = await token();
    await post(refreshUrl(t.refresh_token), auth);
    await s.ctx.audit.flush();
    const events = await s.store.audit.list({ type: 'token.issued', mallId: 'mall1' });
    const grantTypes = events.filter((e) => e.clientId === creds.clientId).map((e) => e.detail?.grant_type);
    expect(grantTypes).toEqual(expect.arrayContaining(['pod_shop_credentials', 'pod_shop_refresh']));
    const text = JSON.stringify(events);
    expect(text).not.toContain(t.refresh_token);
    expect(text).not.toContain(t.access_token.split('.')[2]);
  });
});

describe('refresh: both paths, refreshToken in the query, a form body or a JSON body', () => {
  test('documented path POST /ac/oauth/ext/token/refresh with a form body, then a JSON body, then the query', async () => {
    const a = await token();
    const b = await post(`${s.url}/ac/oauth/ext/token/refresh`, auth, { form: { refreshToken: a.refresh_token } });
    expect(b.status).toBe(200);
    const bt = (await b.json()) as PodTokens;
    expect(bt).toEqual(TOKEN_BODY);
    const c = await post(`${s.url}/ac/oauth/ext/token/refresh`, auth, { json: { refreshToken: bt.refresh_token } });
    expect(c.status).toBe(200);
    const ct = (await c.json()) as PodTokens;
    const d = await post(`${s.url}/ac/oauth/ext/token/refresh?refreshToken=${ct.refresh_token}`, auth);
    expect(d.status).toBe(200);
    expect(await d.json()).toEqual(TOKEN_BODY);
  });

  test('an empty JSON body is no body: the query still counts', async () => {
    const a = await token();
    const res = await fetch(refreshUrl(a.refresh_token), { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
  });

  test('refreshToken missing, repeated or disagreeing: 400 naming it', async () => {
    const a = await token();
    const missing = await post(`${s.url}/ac/oauth/ext/token/refresh`, auth);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ errorKey: 'invalidParameter', title: 'Bad Request', status: 400, detail: 'refreshToken: is required', field: 'refreshToken' });
    const twice = await post(`${s.url}/ac/oauth/ext/token/refresh?refreshToken=x&refreshToken=y`, auth);
    await expectRefusal(twice, 400, { errorKey: 'invalidParameter', title: 'Bad Request', status: 400, detail: 'refreshToken: must be given once, as a string', field: 'refreshToken' });
    const disagree = await post(`${s.url}/ac/oauth/ext/token/refresh?refreshToken=other`, auth, { json: { refreshToken: a.refresh_token } });
    await expectRefusal(disagree, 400, { errorKey: 'invalidParameter', title: 'Bad Request', status: 400, detail: 'refreshToken: the query string and the body disagree', field: 'refreshToken' });
    const notString = await post(`${s.url}/ac/oauth/ext/token/refresh`, auth, { json: { refreshToken: 42 } });
    await expectRefusal(notString, 400, { errorKey: 'invalidParameter', title: 'Bad Request', status: 400, detail: 'refreshToken: must be given once, as a string', field: 'refreshToken' });
    // Nothing was rotated by the failed attempts.
    expect((await post(refreshUrl(a.refresh_token), auth)).status).toBe(200);
  });

  test('malformed JSON: 400 in POD Shop\'s shape', async () => {
    const res = await fetch(`${s.url}/ac/oauth/ext/token/refresh`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: '{"refreshToken":' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ errorKey: 'badRequest', title: 'Bad Request', status: 400, detail: 'the JSON body is malformed' });
  });
});

describe('rotation (as in the Cafe24 flow; RFC 9700 §4.14.2)', () => {
  test('the old refresh token stops working at once; presenting it again revokes the whole family', async () => {
    const a = await token();
    const b = (await (await post(refreshUrl(a.refresh_token), auth)).json()) as PodTokens;
    // The new access token works on the API (any dialect's API: here the Cafe24-style store resource).
    const store = () => fetch(`${s.mallUrl('mall1')}/api/v2/admin/store`, { headers: { authorization: `bearer ${b.access_token}` } });
    expect((await store()).status).toBe(200);

    await expect401(await post(refreshUrl(a.refresh_token), auth), DOES_NOT_EXIST);
    // Reuse detected: the family is revoked, the newest pair included.
    await expectApiRefusal(await store(), 401, 'the access token has been revoked');
    await expect401(await post(refreshUrl(b.refresh_token), auth), DOES_NOT_EXIST);
  });

  test('a refresh token past its 14 days: 401 "This token has expired"', async () => {
    const a = await token();
    s.clock.advance(14 * 24 * 3600_000);
    await expect401(await post(refreshUrl(a.refresh_token), auth), { status: 401, error: 'This token has expired' });
  });

  test('another client\'s refresh token: "this token does not exist", and it is not rotated', async () => {
    const other = await seedCredentials(s, 'mall1');
    const otherAuth = `Basic ${base64(`${other.clientId}:${other.clientKey}`)}`;
    const theirs = await token(otherAuth);
    await expect401(await post(`${s.url}/ac/oauth/ext/token/refresh?refreshToken=${theirs.refresh_token}`, auth), DOES_NOT_EXIST);
    expect((await post(`${s.url}/ac/oauth/ext/token/refresh?refreshToken=${theirs.refresh_token}`, otherAuth)).status).toBe(200);
  });

  test('an unknown refresh token: "this token does not exist"', async () => {
    await expect401(await post(refreshUrl('NoSuchRefreshToken'), auth), DOES_NOT_EXIST);
  });
});

describe('bad credentials: 401 and nothing else revealed', () => {
  test('wrong key, unknown id, malformed header, no header, Bearer instead of Basic: the same 401', async () => {
    const attempts: (string | null)[] = [
      `Basic ${base64(`${creds.clientId}:wrong-key`)}`,
      `Basic ${base64(`NoSuchClient:${creds.clientKey}`)}`,
      `Basic ${base64(creds.clientId)}`,
      'Basic !!!',
      null,
      `Bearer ${creds.clientKey}`,
    ];
    for (const authorization of attempts) {
      const res = await post(`${s.url}/ac/oauth/ext/token`, authorization);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="shopauth"');
      const body = await res.text();
      expect(JSON.parse(body)).toEqual(UNAUTHORIZED);
      expect(body).not.toContain(creds.clientId);
    }
  });

  test('a Cafe24 app\'s client id and secret are not API credentials', async () => {
    const app = await seedApp(s);
    await expect401(await post(`${s.url}/ac/oauth/ext/token`, basic(app.clientId, app.clientSecret)), UNAUTHORIZED);
  });

  test('API credentials cannot use the Cafe24 token endpoint', async () => {
    const res = await fetch(`${s.mallUrl('mall1')}/api/v2/oauth/token`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=refresh_token&refresh_token=x',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'unauthorized_client' });
  });

  test('the refresh path must name the authenticated client; refresh needs Basic', async () => {
    const a = await token();
    const other = await seedCredentials(s, 'mall1');
    await expect401(await post(refreshUrl(a.refresh_token, other.clientId), auth), UNAUTHORIZED);
    await expect401(await post(refreshUrl(a.refresh_token), null), UNAUTHORIZED);
    expect((await post(refreshUrl(a.refresh_token), auth)).status).toBe(200);
  });

  test('revoked credentials: token and refresh refused, their tokens dead', async () => {
    const c = await seedCredentials(s, 'mall1');
    const cAuth = `Basic ${base64(`${c.clientId}:${c.clientKey}`)}`;
    const t = await token(cAuth);
    await revokeCredentials({ store: s.store, clock: s.clock, hasher: s.ctx.hasher }, c.clientId);
    await expect401(await post(`${s.url}/ac/oauth/ext/token`, cAuth), UNAUTHORIZED);
    await expect401(await post(`${s.url}/ac/oauth/ext/token/refresh?refreshToken=${t.refresh_token}`, cAuth), UNAUTHORIZED);
    const api = await fetch(`${s.mallUrl('mall1')}/api/v2/admin/store`, { headers: { authorization: `Bearer ${t.access_token}` } });
    await expectApiRefusal(api, 401, 'the access token has been revoked');
  });
});

describe('anything else under /ac', () => {
  test('an unknown path or method: 404 in POD Shop\'s shape, at the root and under the mall', async () => {
    for (const [method, url] of [['POST', `${s.url}/ac/oauth/ext/nothing`], ['GET', `${s.url}/ac/oauth/ext/token`], ['DELETE', `${s.mallUrl('mall1')}/ac/api/external/orders`]] as const) {
      const res = await fetch(url, { method, headers: { authorization: auth } });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ errorKey: 'notFound', title: 'Not found', status: 404, detail: 'no such resource' });
    }
  });
});

describe('tenancy: the credentials name the mall', () => {
  test('the same routes answer under /malls/{mall_id} of the credentials\' mall, and refuse another mall\'s path', async () => {
    const t = await token(auth, `${s.mallUrl('mall1')}/ac/oauth/ext/token`);
    expect(t).toEqual(TOKEN_BODY);
    const r = await post(`${s.mallUrl('mall1')}/ac/oauth/external/${creds.clientId}/refresh?refreshToken=${t.refresh_token}`, auth);
    expect(r.status).toBe(200);
    await expect401(await post(`${s.mallUrl('mall2')}/ac/oauth/ext/token`, auth), UNAUTHORIZED);
  });

  test('an unknown mall: 404 in POD Shop\'s shape on every /ac route, before the credentials are looked at', async () => {
    const NO_MALL = { errorKey: 'notFound', title: 'Not found', status: 404, detail: 'no such mall' };
    const base = s.mallUrl('nomall');
    const calls: [string, string, string | null][] = [
      ['POST', `${base}/ac/oauth/ext/token`, auth],
      ['POST', `${base}/ac/oauth/ext/token`, null],
      ['POST', `${base}/ac/oauth/ext/token/refresh?refreshToken=x`, auth],
      ['POST', `${base}/ac/oauth/external/${creds.clientId}/refresh?refreshToken=x`, auth],
      ['GET', `${base}/ac/api/external/orders`, auth],
      ['POST', `${base}/ac/api/external/orders`, 'bearer NoSuchToken'],
    ];
    for (const [method, url, authorization] of calls) {
      const res = await fetch(url, { method, headers: authorization === null ? {} : { authorization } });
      expect(res.status, `${method} ${url}`).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.headers.get('www-authenticate')).toBeNull();
      expect(await res.json()).toEqual(NO_MALL);
    }
  });
});

describe('Cache-Control: no-store on every answer of the token endpoints (RFC 6749 §5.1, §5.2; RFC 9700)', () => {
  const expectNoStore = (res: Response, status: number) => {
    expect(res.status).toBe(status);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
  };

  test('errors as well as tokens, on both refresh paths and under the mall', async () => {
    const a = await token();
    expectNoStore(await post(`${s.url}/ac/oauth/ext/token`, auth), 200);
    expectNoStore(await post(`${s.url}/ac/oauth/ext/token`, `Basic ${base64(`${creds.clientId}:wrong-key`)}`), 401);
    expectNoStore(await post(`${s.url}/ac/oauth/ext/token`, null), 401);
    expectNoStore(await post(`${s.mallUrl('mall2')}/ac/oauth/ext/token`, auth), 401);
    expectNoStore(await post(`${s.mallUrl('nomall')}/ac/oauth/ext/token`, auth), 404);
    expectNoStore(await post(refreshUrl('NoSuchRefreshToken'), auth), 401);
    expectNoStore(await post(refreshUrl(a.refresh_token, 'SomeoneElse'), auth), 401);
    expectNoStore(await post(`${s.url}/ac/oauth/ext/token/refresh`, auth), 400);
    const malformed = await fetch(`${s.url}/ac/oauth/ext/token/refresh`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: '{' });
    expectNoStore(malformed, 400);
    expect(await malformed.json()).toEqual({ errorKey: 'badRequest', title: 'Bad Request', status: 400, detail: 'the JSON body is malformed' });
    const expired = await token();
    s.clock.advance(14 * 24 * 3600_000);
    const late = await post(`${s.url}/ac/oauth/ext/token/refresh`, auth, { form: { refreshToken: expired.refresh_token } });
    expectNoStore(late, 401);
    expect(await late.json()).toEqual({ status: 401, error: 'This token has expired' });
  });
});
