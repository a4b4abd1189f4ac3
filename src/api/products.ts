import type { Clock } from '../clock.js';
import type { Mall, Store } from '../store/types.js';
import type { Product, ProductFilter, ProductInput, ProductPatch, YesNo } from '../store/shop-types.js';
import { checkShopNo, notFound, numbers, pageOf, pick, values, type Query } from './resources.js';
import { isoLocal, money, parseMoney } from './shop-time.js';
import { resourceOf } from './orders.js';
import { emit } from '../webhooks/outbox.js';

/** Products (scopes mall.read_product / mall.write_product), in Cafe24's shape. */
export function productView(p: Product, mall: Mall) {
  return {
    shop_no: mall.shopNo,
    product_no: p.productNo,
    product_code: p.productCode,
    custom_product_code: p.customProductCode,
    product_name: p.productName,
    eng_product_name: p.engProductName,
    model_name: p.modelName,
    price: money(p.price),
    retail_price: money(p.retailPrice),
    supply_price: money(p.supplyPrice),
    display: p.display,
    selling: p.selling,
    summary_description: p.summaryDescription,
    stock_quantity: p.stockQuantity,
    created_date: isoLocal(p.createdAt, mall.timezone),
    updated_date: isoLocal(p.updatedAt, mall.timezone),
  };
}

function productFilter(q: Query): ProductFilter {
  const f: ProductFilter = {};
  const productNo = numbers(q.product_no);
  const productCode = values(q.product_code);
  const customProductCode = values(q.custom_product_code);
  const productName = values(q.product_name);
  if (productNo) f.productNo = productNo;
  if (productCode) f.productCode = productCode;
  if (customProductCode) f.customProductCode = customProductCode;
  if (productName) f.productName = productName;
  if (q.display !== undefined) f.display = q.display as YesNo;
  if (q.selling !== undefined) f.selling = q.selling as YesNo;
  return f;
}

export async function listProducts(store: Store, mall: Mall, q: Query) {
  checkShopNo(mall, q.shop_no);
  const rows = await store.shop.products.list(mall.mallId, productFilter(q), pageOf(q));
  return { products: rows.map((p) => pick(productView(p, mall), q.fields)) };
}

export async function countProducts(store: Store, mall: Mall, q: Query) {
  checkShopNo(mall, q.shop_no);
  return { count: await store.shop.products.count(mall.mallId, productFilter(q)) };
}

export async function getProduct(store: Store, mall: Mall, productNo: number, q: Query) {
  checkShopNo(mall, q.shop_no);
  const p = await store.shop.products.get(mall.mallId, productNo);
  if (!p) throw notFound(`product ${productNo}`);
  return { product: pick(productView(p, mall), q.fields) };
}

/** The `request` of a product write, as validated by productCreateBody / productUpdateBody. */
export interface ProductRequest {
  custom_product_code?: string;
  product_name?: string;
  eng_product_name?: string;
  model_name?: string;
  price?: string | number;
  retail_price?: string | number;
  supply_price?: string | number;
  display?: YesNo;
  selling?: YesNo;
  summary_description?: string;
  stock_quantity?: number;
}

function patchOf(r: ProductRequest): ProductPatch {
  const p: ProductPatch = {};
  if (r.custom_product_code !== undefined) p.customProductCode = r.custom_product_code;
  if (r.product_name !== undefined) p.productName = r.product_name;
  if (r.eng_product_name !== undefined) p.engProductName = r.eng_product_name;
  if (r.model_name !== undefined) p.modelName = r.model_name;
  if (r.price !== undefined) p.price = parseMoney(r.price);
  if (r.retail_price !== undefined) p.retailPrice = parseMoney(r.retail_price);
  if (r.supply_price !== undefined) p.supplyPrice = parseMoney(r.supply_price);
  if (r.display !== undefined) p.display = r.display;
  if (r.selling !== undefined) p.selling = r.selling;
  if (r.summary_description !== undefined) p.summaryDescription = r.summary_description;
  if (r.stock_quantity !== undefined) p.stockQuantity = r.stock_quantity;
  return p;
}

const PRODUCT_DEFAULTS: ProductInput = {
  customProductCode: '', productName: '', engProductName: '', modelName: '', price: 0, retailPrice: 0, supplyPrice: 0,
  display: 'F', selling: 'F', summaryDescription: '', stockQuantity: 0,
};

export async function createProduct(deps: { store: Store; clock: Clock }, mall: Mall, body: { shop_no?: number; request: ProductRequest }) {
  checkShopNo(mall, body.shop_no);
  // Issue 12: each write with its event, in one transaction (webhooks/outbox.ts).
  return deps.store.transaction(async (tx) => {
    const [p] = await tx.shop.products.create(mall.mallId, [{ ...PRODUCT_DEFAULTS, ...patchOf(body.request) }], deps.clock.now());
    const view = productView(p!, mall);
    await emit(tx, deps.clock, mall, 'product.created', [resourceOf(view)]);
    return { product: view };
  });
}

export async function updateProduct(deps: { store: Store; clock: Clock }, mall: Mall, productNo: number, body: { shop_no?: number; request: ProductRequest }) {
  checkShopNo(mall, body.shop_no);
  return deps.store.transaction(async (tx) => {
    const p = await tx.shop.products.update(mall.mallId, productNo, patchOf(body.request), deps.clock.now());
    if (!p) throw notFound(`product ${productNo}`);
    const view = productView(p, mall);
    await emit(tx, deps.clock, mall, 'product.updated', [resourceOf(view)]);
    return { product: view };
  });
}

export async function deleteProduct(deps: { store: Store; clock: Clock }, mall: Mall, productNo: number, q: Query) {
  checkShopNo(mall, q.shop_no);
  return deps.store.transaction(async (tx) => {
    if (!(await tx.shop.products.delete(mall.mallId, productNo))) throw notFound(`product ${productNo}`);
    await emit(tx, deps.clock, mall, 'product.deleted', [{ product_no: productNo }]);
    return { product: { product_no: productNo } };
  });
}
