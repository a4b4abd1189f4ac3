import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { seedMall } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/server.js';
import { adminApi, apiError, tokenFor } from './helpers.js';

/** Issue 16: options, variants and inventories of a product; embed=variants,inventories; over loopback. */
let s: TestServer;
let api: ReturnType<typeof adminApi>;

beforeAll(async () => {
  s = await startServer({ config: { rateLimit: null } });
  await seedMall(s, 'mall1');
  api = adminApi(s, 'mall1', (await tokenFor(s, 'mall1')).token);
  await api.post('/products', { request: { product_name: 'Linen Shirt', price: '39000', stock_quantity: 7 } });
  await api.post('/products', { request: { product_name: 'Mug', price: '12000' } });
});
afterAll(() => s.close());

const inventory = (code: string, quantity = 7) => ({ shop_no: 1, variant_code: code, use_inventory: 'F', important_inventory: 'A', inventory_control_type: 'A', display_soldout: 'F', quantity, safety_inventory: 0 });
const variant = (code: string, color: string, size: string) => ({ shop_no: 1, variant_code: code, options: [{ name: 'Color', value: color }, { name: 'Size', value: size }], custom_variant_code: '', display: 'T', selling: 'T', additional_amount: '0.00' });

describe('options and variants', () => {
  test('POST /products/{no}/options: 201; one variant per combination, codes from the product code', async () => {
    const r = await api.post('/products/1/options', { request: { options: [{ option_name: 'Color', option_value: [{ option_text: 'Ivory' }, { option_text: 'Navy' }] }, { option_name: 'Size', option_value: [{ option_text: 'S' }, { option_text: 'M' }] }] } });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ options: { shop_no: 1, product_no: 1, has_option: 'T', option_type: 'T', options: [{ option_name: 'Color', option_value: [{ option_text: 'Ivory' }, { option_text: 'Navy' }] }, { option_name: 'Size', option_value: [{ option_text: 'S' }, { option_text: 'M' }] }] } });
    expect((await api.get('/products/1/options')).body).toEqual(r.body);
    expect((await api.get('/products/2/options')).body.options).toMatchObject({ has_option: 'F', options: [] });
    const v = await api.get('/products/1/variants');
    expect(v).toMatchObject({ status: 200, body: { variants: [variant('P00000010001', 'Ivory', 'S'), variant('P00000010002', 'Ivory', 'M'), variant('P00000010003', 'Navy', 'S'), variant('P00000010004', 'Navy', 'M')] } });
    expect((await api.get('/products/1/variants?embed=inventories&fields=variant_code')).body.variants[0]).toEqual({ variant_code: 'P00000010001', inventories: [inventory('P00000010001')] });
    const many = Array.from({ length: 11 }, (_, i) => ({ option_text: `v${i}` }));
    expect(await api.post('/products/2/options', { request: { options: [{ option_name: 'A', option_value: many }, { option_name: 'B', option_value: many }] } })).toMatchObject({ status: 422, body: apiError(422, 'request.options: 121 combinations; a product has at most 100 variants') });
    expect(await api.post('/products/2/options', { request: { options: [{ option_name: 'A', option_value: [{ option_text: 'x' }, { option_text: 'x' }] }] } })).toMatchObject({ status: 422, body: apiError(422, 'request.options[0].option_value: values must differ') });
    expect(await api.post('/products/9/options', { request: { options: [{ option_name: 'A', option_value: [{ option_text: 'x' }] }] } })).toMatchObject({ status: 404, body: apiError(404, 'product 9 does not exist') });
  });

  test('GET|PUT /products/{no}/variants/{code}: 200, 409 when nothing changes, 404, 422', async () => {
    expect((await api.get('/products/1/variants/P00000010003')).body).toEqual({ variant: variant('P00000010003', 'Navy', 'S') });
    const r = await api.put('/products/1/variants/P00000010003', { request: { additional_amount: '-500', selling: 'F', custom_variant_code: 'NAVY-S' } });
    expect(r).toMatchObject({ status: 200, body: { variant: { ...variant('P00000010003', 'Navy', 'S'), additional_amount: '-500.00', selling: 'F', custom_variant_code: 'NAVY-S' } } });
    expect(await api.put('/products/1/variants/P00000010003', { request: { selling: 'F' } })).toMatchObject({ status: 409, body: apiError(409, 'variant P00000010003: nothing to change, every field sent already has that value') });
    expect(await api.get('/products/1/variants/P00000010009')).toMatchObject({ status: 404, body: apiError(404, 'variant P00000010009 of product 1 does not exist') });
    expect(await api.get('/products/2/variants/P00000010001')).toMatchObject({ status: 404 });
    expect(await api.get('/products/1/variants/xyz')).toMatchObject({ status: 422, body: apiError(422, 'variant_code must be a variant code like P000000A0001') });
    expect(await api.put('/products/1/variants/P00000010003', { request: { additional_amount: '1.234' } })).toMatchObject({ status: 422 });
  });

  test('PUT /products/{no}/variants: several at once, all or none', async () => {
    const r = await api.put('/products/1/variants', { request: [{ variant_code: 'P00000010001', display: 'F' }, { variant_code: 'P00000010002', quantity: 3 }] });
    expect(r.status).toBe(200);
    expect((r.body.variants as { variant_code: string; display: string }[]).map((v) => [v.variant_code, v.display])).toEqual([['P00000010001', 'F'], ['P00000010002', 'T']]);
    const bad = await api.put('/products/1/variants', { request: [{ variant_code: 'P00000010001', display: 'T' }, { variant_code: 'P0000001000Z', display: 'T' }] });
    expect(bad).toMatchObject({ status: 422, body: apiError(422, 'request[1].variant_code: variant P0000001000Z does not exist in product 1') });
    expect((await api.get('/products/1/variants/P00000010001')).body.variant.display).toBe('F'); // nothing written
  });

  test('inventories: GET and PUT /variants/{code}/inventories, 409 when nothing changes', async () => {
    expect((await api.get('/products/1/variants/P00000010002/inventories')).body).toEqual({ inventory: inventory('P00000010002', 3) });
    const r = await api.put('/products/1/variants/P00000010002/inventories', { request: { use_inventory: 'T', quantity: 20, safety_inventory: 2, display_soldout: 'T' } });
    expect(r).toMatchObject({ status: 200, body: { inventory: { ...inventory('P00000010002', 20), use_inventory: 'T', safety_inventory: 2, display_soldout: 'T' } } });
    expect(await api.put('/products/1/variants/P00000010002/inventories', { request: { quantity: 20 } })).toMatchObject({ status: 409 });
    expect(await api.put('/products/1/variants/P00000010002/inventories', { request: { selling: 'T' } })).toMatchObject({ status: 422, body: apiError(422, 'unknown field request.selling') });
  });

  test('embed=variants,inventories on GET /products and GET /products/{no}; fields picks the product\'s own', async () => {
    const list = await api.get('/products?embed=variants&fields=product_no');
    expect(list.body.products).toEqual([
      { product_no: 1, variants: expect.arrayContaining([expect.objectContaining({ variant_code: 'P00000010001' })]) },
      { product_no: 2, variants: [] },
    ]);
    expect(list.body.products[0].variants).toHaveLength(4);
    expect(list.body.products[0].variants[0].inventories).toBeUndefined();
    const one = await api.get('/products/1?embed=inventories&fields=product_no');
    expect(one.body.product.variants[1].inventories).toEqual([{ ...inventory('P00000010002', 20), use_inventory: 'T', safety_inventory: 2, display_soldout: 'T' }]);
    expect((await api.get('/products/1')).body.product.variants).toBeUndefined();
    expect(await api.get('/products?embed=memos')).toMatchObject({ status: 422, body: apiError(422, 'embed must be comma-separated names among variants, inventories') });
  });

  test('scopes: variants read with mall.read_product, written with mall.write_product', async () => {
    const reader = adminApi(s, 'mall1', (await tokenFor(s, 'mall1', { scopes: ['mall.read_product'] })).token);
    expect((await reader.get('/products/1/variants')).status).toBe(200);
    expect(await reader.put('/products/1/variants/P00000010001', { request: { display: 'T' } })).toMatchObject({ status: 403, body: apiError(403, 'this call needs the scope mall.write_product') });
    expect(await reader.put('/products/1/variants/P00000010001/inventories', { request: { quantity: 1 } })).toMatchObject({ status: 403 });
    const none = adminApi(s, 'mall1', (await tokenFor(s, 'mall1', { scopes: ['mall.read_order'] })).token);
    expect(await none.get('/products/1/variants/P00000010001/inventories')).toMatchObject({ status: 403, body: apiError(403, 'this call needs the scope mall.read_product') });
  });
});
