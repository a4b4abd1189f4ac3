import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { seedMall } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/server.js';
import { adminApi, apiError, tokenFor } from './helpers.js';

/** Issue 16: scripttags (mall.read_application / mall.write_application), GET /apps, and the storefront preview. */
let s: TestServer;
let a: Awaited<ReturnType<typeof tokenFor>>;
let api: ReturnType<typeof adminApi>;
let other: ReturnType<typeof adminApi>;
const SCOPES = ['mall.read_application', 'mall.write_application'];
const CREATED = '2026-03-01T12:00:00+09:00';
const SRI = 'sha384-oqVuAfXRKap7fdgcCY5uykM6+R9GqQ8K/uxy9rx7HNQlGYl1kPzQho1wx4JwY8wC';

beforeAll(async () => {
  s = await startServer({ config: { rateLimit: null, apiVersions: ['2024-06-01'] } });
  await seedMall(s, 'mall1');
  a = await tokenFor(s, 'mall1', { scopes: SCOPES, appScopes: SCOPES });
  api = adminApi(s, 'mall1', a.token);
  other = adminApi(s, 'mall1', (await tokenFor(s, 'mall1', { scopes: SCOPES, appScopes: SCOPES })).token);
});
afterAll(() => s.close());

describe('scripttags', () => {
  let first: string;
  test('POST /scripttags: 201 with the tag; src https only; display_location required', async () => {
    const r = await api.post('/scripttags', { shop_no: 1, request: { src: 'https://cdn.app.example/widget.js', display_location: ['PRODUCT_DETAIL', 'MAIN'], exclude_path: ['/product/detail.html'], skin_no: [1, 3], integrity: SRI } });
    expect(r.status).toBe(201);
    first = r.body.scripttag.script_no;
    expect(first).toMatch(/^1772334000\d{6}$/);
    expect(r.body).toEqual({
      scripttag: {
        shop_no: 1, script_no: first, client_id: a.clientId, src: 'https://cdn.app.example/widget.js', display_location: ['PRODUCT_DETAIL', 'MAIN'],
        exclude_path: ['/product/detail.html'], skin_no: [1, 3], integrity: SRI, created_date: CREATED, updated_date: CREATED,
      },
    });
    const all = await api.post('/scripttags', { request: { src: 'https://cdn.app.example/all.js', display_location: ['all'] } });
    expect(all.body.scripttag).toMatchObject({ display_location: ['all'], exclude_path: [], skin_no: [], integrity: null });
    expect((await other.post('/scripttags', { request: { src: 'https://other.example/x.js', display_location: ['MAIN'] } })).status).toBe(201);
    for (const [request, message] of [
      [{ src: 'http://cdn.app.example/widget.js', display_location: ['MAIN'] }, 'request.src must be an https URL'],
      [{ src: 'https://user:pw@cdn.app.example/w.js', display_location: ['MAIN'] }, 'request.src must be an https URL'],
      [{ src: 'javascript:alert(1)', display_location: ['MAIN'] }, 'request.src must be an https URL'],
      [{ src: 'https://cdn.app.example/w.js' }, 'request.display_location is required'],
      [{ src: 'https://cdn.app.example/w.js', display_location: [] }, 'request.display_location must NOT have fewer than 1 items'],
      [{ src: 'https://cdn.app.example/w.js', display_location: ['CHECKOUT'] }, expect.stringMatching(/^request\.display_location\[0\] must be one of "all", "MAIN", /)],
      [{ src: 'https://cdn.app.example/w.js', display_location: ['MAIN'], exclude_path: ['product'] }, 'request.exclude_path[0] must be a path starting with /'],
      [{ src: 'https://cdn.app.example/w.js', display_location: ['MAIN'], integrity: 'md5-abc' }, 'request.integrity must be a Subresource Integrity value such as sha384-...'],
      [{ src: 'https://cdn.app.example/w.js', display_location: ['MAIN'], skin_no: [0] }, 'request.skin_no[0] must be >= 1'],
    ] as const) {
      expect(await api.post('/scripttags', { request }), JSON.stringify(request)).toMatchObject({ status: 422, body: apiError(422, message as string) });
    }
  });

  test('only the calling app\'s own tags: list, count, get; another app\'s tag is 404', async () => {
    const list = await api.get('/scripttags');
    expect(list.status).toBe(200);
    expect((list.body.scripttags as { src: string }[]).map((t) => t.src)).toEqual(['https://cdn.app.example/widget.js', 'https://cdn.app.example/all.js']);
    expect((await api.get('/scripttags/count')).body).toEqual({ count: 2 });
    expect((await other.get('/scripttags/count')).body).toEqual({ count: 1 });
    const theirs = (await other.get('/scripttags?fields=script_no')).body.scripttags[0].script_no as string;
    expect(await api.get(`/scripttags/${theirs}`)).toMatchObject({ status: 404, body: apiError(404, `scripttag ${theirs} does not exist`) });
    expect(await api.put(`/scripttags/${theirs}`, { request: { src: 'https://evil.example/x.js' } })).toMatchObject({ status: 404 });
    expect(await api.delete(`/scripttags/${theirs}`)).toMatchObject({ status: 404 });
    expect((await api.get(`/scripttags/${first}?fields=script_no,skin_no`)).body).toEqual({ scripttag: { script_no: first, skin_no: [1, 3] } });
    // Filters: a tag at "all" is at every location; a tag with no skins is on every skin.
    const srcs = async (q: string) => ((await api.get(`/scripttags?${q}&fields=src`)).body.scripttags as { src: string }[]).map((t) => t.src.split('/').pop());
    expect(await srcs('display_location=MAIN')).toEqual(['widget.js', 'all.js']);
    expect(await srcs('display_location=ORDER_BASKET')).toEqual(['all.js']);
    expect(await srcs('skin_no=2')).toEqual(['all.js']);
    expect(await srcs(`script_no=${first}`)).toEqual(['widget.js']);
    expect(await srcs('src=https://cdn.app.example/all.js')).toEqual(['all.js']);
    expect(await api.get('/scripttags?limit=5')).toMatchObject({ status: 422, body: apiError(422, 'unknown parameter limit') });
    expect(await api.get('/scripttags/abc')).toMatchObject({ status: 422, body: apiError(422, 'script_no must be a script number') });
  });

  test('PUT /scripttags/{no}: 200 with the change and updated_date; 409 when nothing changes', async () => {
    s.clock.advance(60_000);
    const r = await api.put(`/scripttags/${first}`, { request: { display_location: ['PRODUCT_LIST'], integrity: null } });
    expect(r.status).toBe(200);
    expect(r.body.scripttag).toMatchObject({ script_no: first, display_location: ['PRODUCT_LIST'], integrity: null, exclude_path: ['/product/detail.html'], created_date: CREATED, updated_date: '2026-03-01T12:01:00+09:00' });
    expect(await api.put(`/scripttags/${first}`, { request: { display_location: ['PRODUCT_LIST'], skin_no: [1, 3] } })).toMatchObject({
      status: 409, body: apiError(409, `scripttag ${first}: nothing to change, every field sent already has that value`),
    });
    expect(await api.put(`/scripttags/${first}`, { request: { src: 'http://insecure.example/x.js' } })).toMatchObject({ status: 422, body: apiError(422, 'request.src must be an https URL') });
    expect(await api.put('/scripttags/123', { request: { display_location: ['MAIN'] } })).toMatchObject({ status: 404, body: apiError(404, 'scripttag 123 does not exist') });
  });

  test('the storefront preview carries every app\'s tags for the page, minus excluded paths, in a sandbox', async () => {
    const page = async (path: string) => {
      const res = await fetch(`${s.mallUrl('mall1')}/storefront${path}`);
      return { status: res.status, csp: res.headers.get('content-security-policy'), html: await res.text() };
    };
    const main = await page('');
    expect(main.status).toBe(200);
    expect(main.html).toContain('<script src="https://cdn.app.example/all.js" data-script-no=');
    expect(main.html).toContain('<script src="https://other.example/x.js" data-script-no=');
    expect(main.html).not.toContain('widget.js');
    expect(main.csp).toBe("sandbox allow-scripts; default-src 'none'; script-src https://cdn.app.example https://other.example; connect-src https://cdn.app.example https://other.example; img-src * data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    const list = await page('/product/list.html');
    expect(list.html).toContain('<script src="https://cdn.app.example/widget.js" data-script-no=');
    expect(list.html).toContain('Scripttags on this page: 2');
    await api.put(`/scripttags/${first}`, { request: { exclude_path: ['/product/list.html'], integrity: SRI } });
    const excluded = await page('/product/list.html');
    expect(excluded.html).not.toContain('widget.js');
    const nowhere = await page('/nowhere.html');
    expect({ status: nowhere.status, body: JSON.parse(nowhere.html) as unknown }).toEqual({ status: 404, body: apiError(404, 'no such resource') });
  });

  test('DELETE /scripttags/{no}: 200, then 404; the tag leaves the storefront', async () => {
    expect(await api.delete(`/scripttags/${first}`)).toMatchObject({ status: 200, body: { scripttag: { script_no: first } } });
    expect(await api.get(`/scripttags/${first}`)).toMatchObject({ status: 404 });
    expect(await api.delete(`/scripttags/${first}`)).toMatchObject({ status: 404 });
    expect((await api.get('/scripttags/count')).body).toEqual({ count: 1 });
  });

  test('scopes: mall.read_application to read, mall.write_application to write (403)', async () => {
    const reader = adminApi(s, 'mall1', (await tokenFor(s, 'mall1', { scopes: ['mall.read_application'], appScopes: SCOPES })).token);
    expect((await reader.get('/scripttags')).body).toEqual({ scripttags: [] });
    for (const call of [() => reader.post('/scripttags', { request: { src: 'https://a.example/x.js', display_location: ['MAIN'] } }), () => reader.put('/scripttags/1', { request: { src: 'https://a.example/x.js' } }), () => reader.delete('/scripttags/1')]) {
      expect(await call()).toMatchObject({ status: 403, body: apiError(403, 'this call needs the scope mall.write_application') });
    }
    const none = adminApi(s, 'mall1', (await tokenFor(s, 'mall1', { scopes: ['mall.read_store'] })).token);
    for (const p of ['/scripttags', '/scripttags/count', '/apps']) expect(await none.get(p)).toMatchObject({ status: 403, body: apiError(403, 'this call needs the scope mall.read_application') });
  });
});

describe('GET /apps', () => {
  test('the calling app\'s record and the version its calls get', async () => {
    const r = await api.get('/apps');
    expect(r.status).toBe(200);
    const app = await s.store.apps.get(a.clientId);
    expect(r.body).toEqual({
      app: {
        client_id: a.clientId, app_name: app!.name, version: '2025-12-01', initial_version: null, available_versions: ['2025-12-01', '2024-06-01'],
        version_expiration_date: null, scopes: SCOPES, created_date: expect.stringMatching(/^2026-03-01T\d\d:\d\d:\d\d\+09:00$/),
      },
    });
    await s.store.db.updateTable('apps').set({ api_version: '2024-06-01' }).where('client_id', '=', a.clientId).execute();
    s.clock.advance(10_000); // past the guard's short cache of app settings
    const pinned = await api.get('/apps', { 'x-cafe24-api-version': '2025-12-01' });
    expect(pinned.body.app).toMatchObject({ version: '2024-06-01', initial_version: '2024-06-01' });
    expect(pinned.headers.get('x-cafe24-api-version')).toBe('2025-12-01');
  });
});
