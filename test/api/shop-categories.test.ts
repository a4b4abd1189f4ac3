import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { seedMall } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/server.js';
import { ALL_SHOP_SCOPES, adminApi, apiError, tokenFor } from './helpers.js';

/** Issue 16: categories (mall.read_category / mall.write_category) and products' category links, over loopback. */
let s: TestServer;
let api: ReturnType<typeof adminApi>;
const SCOPES = [...ALL_SHOP_SCOPES, 'mall.read_category', 'mall.write_category'];

beforeAll(async () => {
  s = await startServer({ config: { rateLimit: null } });
  await seedMall(s, 'mall1');
  await seedMall(s, 'mall2');
  api = adminApi(s, 'mall1', (await tokenFor(s, 'mall1', { scopes: SCOPES, appScopes: SCOPES })).token);
});
afterAll(() => s.close());

const path = (names: (string | null)[], nos: (number | null)[]) => ({
  full_category_name: { 1: names[0] ?? null, 2: names[1] ?? null, 3: names[2] ?? null, 4: names[3] ?? null },
  full_category_no: { 1: nos[0] ?? null, 2: nos[1] ?? null, 3: nos[2] ?? null, 4: nos[3] ?? null },
});

describe('categories', () => {
  test('POST /categories: 201; the first number is 24; children nest to depth 4 with their full path', async () => {
    const outer = await api.post('/categories', { shop_no: 1, request: { category_name: 'Outer' } });
    expect(outer.status).toBe(201);
    expect(outer.body).toEqual({
      category: {
        shop_no: 1, category_no: 24, category_depth: 1, parent_category_no: 1, category_name: 'Outer', display_type: 'A',
        ...path(['Outer'], [24]), root_category_no: 24, use_main: 'F', use_display: 'T', display_order: 0,
      },
    });
    const coats = await api.post('/categories', { request: { category_name: 'Coats', parent_category_no: 24, display_order: 2, use_main: 'T' } });
    expect(coats.body.category).toMatchObject({ category_no: 25, category_depth: 2, parent_category_no: 24, ...path(['Outer', 'Coats'], [24, 25]), root_category_no: 24, use_main: 'T', display_order: 2 });
    const trench = await api.post('/categories', { request: { category_name: 'Trench', parent_category_no: 25 } });
    const long = await api.post('/categories', { request: { category_name: 'Long trench', parent_category_no: trench.body.category.category_no } });
    expect(long.body.category).toMatchObject({ category_no: 27, category_depth: 4, ...path(['Outer', 'Coats', 'Trench', 'Long trench'], [24, 25, 26, 27]), root_category_no: 24 });
    expect(await api.post('/categories', { request: { category_name: 'Too deep', parent_category_no: 27 } })).toMatchObject({ status: 422, body: apiError(422, 'request.parent_category_no: categories nest at most 4 deep') });
    expect(await api.post('/categories', { request: { category_name: 'Orphan', parent_category_no: 99 } })).toMatchObject({ status: 422, body: apiError(422, 'request.parent_category_no: category 99 does not exist in this mall') });
    expect(await api.post('/categories', { request: { category_name: '' } })).toMatchObject({ status: 422, body: apiError(422, 'request.category_name must NOT have fewer than 1 characters') });
    expect(await api.post('/categories', { request: {} })).toMatchObject({ status: 422, body: apiError(422, 'request.category_name is required') });
    expect((await api.post('/categories', { request: { category_name: 'Living', display_order: 1 } })).body.category.category_no).toBe(28);
    expect((await api.post('/categories', { request: { category_name: 'Jackets', parent_category_no: 24, display_order: 1 } })).body.category.category_no).toBe(29);
  });

  test('GET /categories: by depth, parent, display order; filters category_depth, parent_category_no, category_name; fields; count', async () => {
    const nos = async (query: string) => {
      const r = await api.get(`/categories${query}`);
      expect(r.status).toBe(200);
      return (r.body.categories as { category_no: number }[]).map((c) => c.category_no);
    };
    expect(await nos('')).toEqual([24, 28, 29, 25, 26, 27]);
    expect(await nos('?category_depth=1')).toEqual([24, 28]);
    expect(await nos('?category_depth=2,3')).toEqual([29, 25, 26]);
    expect(await nos('?parent_category_no=24')).toEqual([29, 25]);
    expect(await nos('?category_name=TRENCH')).toEqual([26, 27]);
    expect(await nos('?category_name=living,jack')).toEqual([28, 29]);
    expect(await nos('?limit=2&offset=1')).toEqual([28, 29]);
    expect((await api.get('/categories?category_no=26&fields=category_no,full_category_name')).body).toEqual({
      categories: [{ category_no: 26, full_category_name: { 1: 'Outer', 2: 'Coats', 3: 'Trench', 4: null } }],
    });
    expect((await api.get('/categories/count')).body).toEqual({ count: 6 });
    expect((await api.get('/categories/count?parent_category_no=1')).body).toEqual({ count: 2 });
    expect(await api.get('/categories?category_depth=5')).toMatchObject({ status: 422, body: apiError(422, 'category_depth must be comma-separated depths 1 to 4') });
    expect(await api.get('/categories?limit=101')).toMatchObject({ status: 422, body: apiError(422, 'limit must be <= 100') });
    expect(await api.get('/categories?fields=nope')).toMatchObject({ status: 422 });
  });

  test('GET /categories/{no}: 200, fields, 404 and another mall\'s numbers are unknown', async () => {
    expect((await api.get('/categories/25?fields=category_name,root_category_no')).body).toEqual({ category: { category_name: 'Coats', root_category_no: 24 } });
    expect(await api.get('/categories/99')).toMatchObject({ status: 404, body: apiError(404, 'category 99 does not exist') });
    const other = adminApi(s, 'mall2', (await tokenFor(s, 'mall2', { scopes: SCOPES, appScopes: SCOPES })).token);
    expect(await other.get('/categories/24')).toMatchObject({ status: 404 });
    expect((await other.get('/categories/count')).body).toEqual({ count: 0 });
  });

  test('PUT /categories/{no}: 200 with the change; 409 when nothing changes; 404; 422', async () => {
    const r = await api.put('/categories/28', { shop_no: 1, request: { category_name: 'Home & Living', use_display: 'F' } });
    expect(r.status).toBe(200);
    expect(r.body.category).toMatchObject({ category_no: 28, category_name: 'Home & Living', use_display: 'F', ...path(['Home & Living'], [28]) });
    expect(await api.put('/categories/28', { request: { category_name: 'Home & Living' } })).toMatchObject({
      status: 409, body: apiError(409, 'category 28: nothing to change, every field sent already has that value'),
    });
    expect(await api.put('/categories/99', { request: { category_name: 'X' } })).toMatchObject({ status: 404, body: apiError(404, 'category 99 does not exist') });
    expect(await api.put('/categories/28', { request: {} })).toMatchObject({ status: 422, body: apiError(422, 'request must have at least one field to change') });
    expect(await api.put('/categories/28', { request: { parent_category_no: 24 } })).toMatchObject({ status: 422, body: apiError(422, 'unknown field request.parent_category_no') });
  });

  test('products carry category links: add on create, add and delete on update, GET /products?category=N', async () => {
    const shirt = await api.post('/products', { request: { product_name: 'Trench Coat', price: '189000', add_category_no: [{ category_no: 26, recommend: 'T' }, { category_no: 25 }] } });
    expect(shirt.status).toBe(201);
    expect(shirt.body.product.category).toEqual([{ category_no: 25, recommend: 'F', new: 'F' }, { category_no: 26, recommend: 'T', new: 'F' }]);
    const mug = await api.post('/products', { request: { product_name: 'Mug', price: '12000' } });
    expect(mug.body.product.category).toEqual([]);
    const moved = await api.put(`/products/${mug.body.product.product_no}`, { request: { add_category_no: [{ category_no: 28, new: 'T' }] } });
    expect(moved.body.product.category).toEqual([{ category_no: 28, recommend: 'F', new: 'T' }]);
    const out = await api.put(`/products/${shirt.body.product.product_no}`, { request: { delete_category_no: [25] } });
    expect(out.body.product.category).toEqual([{ category_no: 26, recommend: 'T', new: 'F' }]);
    const inCat = async (query: string) => ((await api.get(`/products?${query}&fields=product_name,category`)).body.products as { product_name: string }[]).map((p) => p.product_name);
    expect(await inCat('category=26')).toEqual(['Trench Coat']);
    expect(await inCat('category=26,28')).toEqual(['Trench Coat', 'Mug']);
    expect(await inCat('category=25')).toEqual([]);
    expect((await api.get('/products/count?category=28')).body).toEqual({ count: 1 });
    expect((await api.get('/products?category=26&fields=product_no')).body).toEqual({ products: [{ product_no: shirt.body.product.product_no }] });
    // A link to a category that does not exist: 422, and nothing written (not even the product).
    const before = (await api.get('/products/count')).body.count;
    expect(await api.post('/products', { request: { product_name: 'Ghost', price: '1', add_category_no: [{ category_no: 404 }] } })).toMatchObject({
      status: 422, body: apiError(422, 'request.add_category_no[0].category_no: category 404 does not exist in this mall'),
    });
    expect((await api.get('/products/count')).body.count).toBe(before);
  });

  test('DELETE /categories/{no}: 422 while it has sub-categories; then 200, its links go, 404 after', async () => {
    expect(await api.delete('/categories/25')).toMatchObject({ status: 422, body: apiError(422, 'category 25 has sub-categories: delete them first') });
    expect(await api.delete('/categories/27')).toMatchObject({ status: 200, body: { category: { category_no: 27 } } });
    expect(await api.delete('/categories/26')).toMatchObject({ status: 200, body: { category: { category_no: 26 } } });
    expect((await api.get('/products?fields=product_name,category')).body.products[0]).toEqual({ product_name: 'Trench Coat', category: [] });
    expect(await api.delete('/categories/26')).toMatchObject({ status: 404, body: apiError(404, 'category 26 does not exist') });
  });

  test('POST /categories with a list: 201 when all are made; 207 with each result when some are refused', async () => {
    const all = await api.post('/categories', { request: [{ category_name: 'Sale' }, { category_name: 'New in' }] });
    expect(all.status, JSON.stringify(all.body)).toBe(201);
    expect((all.body.categories as { category_name: string }[]).map((c) => c.category_name)).toEqual(['Sale', 'New in']);
    const some = await api.post('/categories', { request: [{ category_name: 'Summer', parent_category_no: all.body.categories[0].category_no }, { category_name: 'Lost', parent_category_no: 999 }, { category_name: 'Gifts' }] });
    expect(some.status).toBe(207);
    expect(some.body.categories).toEqual([
      expect.objectContaining({ category_name: 'Summer', category_depth: 2, parent_category_no: all.body.categories[0].category_no }),
      { error: { code: 422, message: 'request[1].parent_category_no: category 999 does not exist in this mall', more_info: {} } },
      expect.objectContaining({ category_name: 'Gifts', category_depth: 1 }),
    ]);
    expect((await api.get('/categories/count?category_name=summer,gifts,lost')).body).toEqual({ count: 2 });
    // A list item of the wrong shape refuses the whole request, before anything is made.
    expect(await api.post('/categories', { request: [{ category_name: 'Fine' }, { category_name: '' }] })).toMatchObject({ status: 422 });
    expect((await api.get('/categories/count?category_name=fine')).body).toEqual({ count: 0 });
  });

  test('scopes: reading needs mall.read_category, writing mall.write_category (403 naming it)', async () => {
    const reader = adminApi(s, 'mall1', (await tokenFor(s, 'mall1', { scopes: ['mall.read_category'], appScopes: SCOPES })).token);
    expect((await reader.get('/categories/count')).status).toBe(200);
    for (const call of [() => reader.post('/categories', { request: { category_name: 'X' } }), () => reader.put('/categories/24', { request: { category_name: 'X' } }), () => reader.delete('/categories/24')]) {
      expect(await call()).toMatchObject({ status: 403, body: apiError(403, 'this call needs the scope mall.write_category') });
    }
    const none = adminApi(s, 'mall1', (await tokenFor(s, 'mall1', { scopes: ['mall.read_product'], appScopes: SCOPES })).token);
    for (const p of ['/categories', '/categories/count', '/categories/24']) expect(await none.get(p)).toMatchObject({ status: 403, body: apiError(403, 'this call needs the scope mall.read_category') });
  });
});
