import type { Clock } from '../clock.js';
import type { Mall, Store } from '../store/types.js';
import type { CategoryLink, Product, ProductFilter, ProductInput, ProductPatch, YesNo } from '../store/shop-types.js';
import { checkShopNo, invalidParameter, notFound, numbers, pageOf, pick, values, type Query } from './resources.js';
import { isoLocal, money, parseMoney } from './shop-time.js';
import { embeddedVariants } from './variants.js';
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
  const category = numbers(q.category);
  if (category) f.categoryNo = category;
  return f;
}

const wants = (fields: Query['fields'], name: string) => fields === undefined || String(fields).split(',').includes(name);

/**
 * Products as the API shows them: the record, its `category` links (Cafe24: `[{category_no,
 * recommend, new}]`), then `fields`. One query for the links of a whole page.
 */
export async function productViews(store: Store, mall: Mall, rows: Product[], q: Query): Promise<Record<string, unknown>[]> {
  const links = wants(q.fields, 'category') ? await store.shop.categories.linksOf(mall.mallId, rows.map((p) => p.productNo)) : [];
  const byProduct = new Map<number, CategoryLink[]>();
  for (const l of links) byProduct.set(l.productNo, [...(byProduct.get(l.productNo) ?? []), l]);
  // embed=variants,inventories: added after `fields`, as Cafe24 does (fields picks the product's own).
  const variants = await embeddedVariants(store, mall, rows, q);
  return rows.map((p) => ({
    ...pick({ ...productView(p, mall), category: (byProduct.get(p.productNo) ?? []).map((l) => ({ category_no: l.categoryNo, recommend: l.recommend, new: l.new })) }, q.fields),
    ...(variants ? { variants: variants.get(p.productNo) ?? [] } : {}),
  }));
}

export async function listProducts(store: Store, mall: Mall, q: Query) {
  checkShopNo(mall, q.shop_no);
  const rows = await store.shop.products.list(mall.mallId, productFilter(q), pageOf(q));
  return { products: await productViews(store, mall, rows, q) };
}

export async function countProducts(store: Store, mall: Mall, q: Query) {
  checkShopNo(mall, q.shop_no);
  return { count: await store.shop.products.count(mall.mallId, productFilter(q)) };
}

export async function getProduct(store: Store, mall: Mall, productNo: number, q: Query) {
  checkShopNo(mall, q.shop_no);
  const p = await store.shop.products.get(mall.mallId, productNo);
  if (!p) throw notFound(`product ${productNo}`);
  return { product: (await productViews(store, mall, [p], q))[0]! };
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
  /** Categories to put the product in (Cafe24: add_category_no). */
  add_category_no?: { category_no: number; recommend?: YesNo; new?: YesNo }[];
  /** Categories to take it out of (update only). */
  delete_category_no?: number[];
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

/** The category links a write asks for; every category must exist in the mall (422 otherwise). */
async function linksOf(store: Store, mall: Mall, productNo: number, r: ProductRequest) {
  const add: CategoryLink[] = (r.add_category_no ?? []).map((c) => ({ productNo, categoryNo: c.category_no, recommend: c.recommend ?? 'F', new: c.new ?? 'F' }));
  const remove = (r.delete_category_no ?? []).map((categoryNo) => ({ productNo, categoryNo }));
  const named = [...new Set([...add, ...remove].map((l) => l.categoryNo))];
  const found = new Set((await store.shop.categories.getMany(mall.mallId, named)).map((c) => c.categoryNo));
  for (const [i, l] of add.entries()) if (!found.has(l.categoryNo)) throw invalidParameter(`request.add_category_no[${i}].category_no: category ${l.categoryNo} does not exist in this mall`);
  for (const [i, l] of remove.entries()) if (!found.has(l.categoryNo)) throw invalidParameter(`request.delete_category_no[${i}]: category ${l.categoryNo} does not exist in this mall`);
  return { add, remove };
}

/** Creates a product and its category links in one transaction. */
export async function createProduct(deps: { store: Store; clock: Clock }, mall: Mall, body: { shop_no?: number; request: ProductRequest }) {
  checkShopNo(mall, body.shop_no);
  return deps.store.transaction(async (tx) => {
    const [p] = await tx.shop.products.create(mall.mallId, [{ ...PRODUCT_DEFAULTS, ...patchOf(body.request) }], deps.clock.now());
    const { add } = await linksOf(tx, mall, p!.productNo, body.request);
    await tx.shop.categories.link(mall.mallId, add, []);
    // Issue 12: each write with its event, in one transaction (webhooks/outbox.ts).
    await emit(tx, deps.clock, mall, 'product.created', [resourceOf(productView(p!, mall))]);
    const view = (await productViews(tx, mall, [p!], {}))[0]!;
    return { product: view };
  });
}

/** Updates a product's fields and category links in one transaction. */
export async function updateProduct(deps: { store: Store; clock: Clock }, mall: Mall, productNo: number, body: { shop_no?: number; request: ProductRequest }) {
  checkShopNo(mall, body.shop_no);
  return deps.store.transaction(async (tx) => {
    const p = await tx.shop.products.update(mall.mallId, productNo, patchOf(body.request), deps.clock.now());
    if (!p) throw notFound(`product ${productNo}`);
    const { add, remove } = await linksOf(tx, mall, productNo, body.request);
    await tx.shop.categories.link(mall.mallId, add, remove);
    await emit(tx, deps.clock, mall, 'product.updated', [resourceOf(productView(p, mall))]);
    const view = (await productViews(tx, mall, [p], {}))[0]!;
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
