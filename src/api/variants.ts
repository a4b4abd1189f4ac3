import type { Clock } from '../clock.js';
import type { Mall, Store } from '../store/types.js';
import type { Inventory, Product, ProductOption, Variant, VariantPatch, YesNo } from '../store/shop-types.js';
import { nothingChanged } from './categories.js';
import { checkShopNo, invalidParameter, notFound, pick, values, type Query } from './resources.js';
import { money, parseMoney } from './shop-time.js';

/**
 * Options, variants and inventories of a product (scopes mall.read_product / mall.write_product),
 * in Cafe24's shape: a product with options has one variant per combination of option values,
 * each with its inventory.
 */
export function inventoryView(v: Variant, mall: Mall) {
  return {
    shop_no: mall.shopNo,
    variant_code: v.variantCode,
    use_inventory: v.useInventory,
    important_inventory: v.importantInventory,
    inventory_control_type: v.inventoryControlType,
    display_soldout: v.displaySoldout,
    quantity: v.quantity,
    safety_inventory: v.safetyInventory,
  };
}

export function variantView(v: Variant, mall: Mall, withInventories: boolean) {
  return {
    shop_no: mall.shopNo,
    variant_code: v.variantCode,
    options: v.options,
    custom_variant_code: v.customVariantCode,
    display: v.display,
    selling: v.selling,
    additional_amount: money(v.additionalAmount),
    ...(withInventories ? { inventories: [inventoryView(v, mall)] } : {}),
  };
}

/** `embed=variants,inventories` (inventories come inside the variants, so they imply them). */
export function embedsOf(q: Query): { variants: boolean; inventories: boolean } {
  const e = new Set(values(q.embed) ?? []);
  return { variants: e.has('variants') || e.has('inventories'), inventories: e.has('inventories') };
}

/** The variants of a page of products, grouped, for `embed`: one query. */
export async function embeddedVariants(store: Store, mall: Mall, products: Product[], q: Query): Promise<Map<number, unknown[]> | null> {
  const embed = embedsOf(q);
  if (!embed.variants) return null;
  const rows = await store.shop.variants.list(mall.mallId, products.map((p) => p.productNo));
  const map = new Map<number, unknown[]>();
  for (const v of rows) map.set(v.productNo, [...(map.get(v.productNo) ?? []), variantView(v, mall, embed.inventories)]);
  return map;
}

async function productOf(store: Store, mall: Mall, productNo: number): Promise<Product> {
  const p = await store.shop.products.get(mall.mallId, productNo);
  if (!p) throw notFound(`product ${productNo}`);
  return p;
}

function optionsView(p: Product, options: ProductOption[], mall: Mall) {
  return {
    options: {
      shop_no: mall.shopNo,
      product_no: p.productNo,
      has_option: options.length > 0 ? 'T' : 'F',
      option_type: 'T',
      options: options.map((o) => ({ option_name: o.name, option_value: o.values.map((option_text) => ({ option_text })) })),
    },
  };
}

export async function getOptions(store: Store, mall: Mall, productNo: number, q: Query) {
  checkShopNo(mall, q.shop_no);
  const p = await productOf(store, mall, productNo);
  return optionsView(p, await store.shop.variants.options(mall.mallId, productNo), mall);
}

/** Most variants a product may have (the product of its options' value counts). */
export const MAX_VARIANTS = 100;

/** New variants start with the product's stock, inventory not tracked (Cafe24's defaults). */
const inventoryDefaults = (p: Product): Inventory => ({ useInventory: 'F', importantInventory: 'A', inventoryControlType: 'A', displaySoldout: 'F', quantity: p.stockQuantity, safetyInventory: 0 });

/** `POST /products/{no}/options`: sets the options; the variants are made anew, one per combination. */
export async function createOptions(deps: { store: Store; clock: Clock }, mall: Mall, productNo: number, body: { shop_no?: number; request: { options: { option_name: string; option_value: { option_text: string }[] }[] } }) {
  checkShopNo(mall, body.shop_no);
  const options = body.request.options.map((o) => ({ name: o.option_name, values: o.option_value.map((v) => v.option_text) }));
  const names = new Set(options.map((o) => o.name));
  if (names.size !== options.length) throw invalidParameter('request.options: option names must differ');
  for (const [i, o] of options.entries()) if (new Set(o.values).size !== o.values.length) throw invalidParameter(`request.options[${i}].option_value: values must differ`);
  const total = options.reduce((n, o) => n * o.values.length, 1);
  if (total > MAX_VARIANTS) throw invalidParameter(`request.options: ${total} combinations; a product has at most ${MAX_VARIANTS} variants`);
  return deps.store.transaction(async (tx) => {
    const p = await productOf(tx, mall, productNo);
    await tx.shop.variants.setOptions(mall.mallId, productNo, p.productCode, options, deps.clock.now(), inventoryDefaults(p));
    return optionsView(p, options, mall);
  });
}

export async function listVariants(store: Store, mall: Mall, productNo: number, q: Query) {
  checkShopNo(mall, q.shop_no);
  await productOf(store, mall, productNo);
  const inventories = embedsOf(q).inventories;
  const rows = await store.shop.variants.list(mall.mallId, [productNo]);
  return { variants: rows.map((v) => picked(v, mall, inventories, q)) };
}

/** `fields` picks the variant's own fields; an embedded inventory comes after, as on products. */
const picked = (v: Variant, mall: Mall, inventories: boolean, q: Query) => ({
  ...pick(variantView(v, mall, false), q.fields),
  ...(inventories ? { inventories: [inventoryView(v, mall)] } : {}),
});

async function variantOf(store: Store, mall: Mall, productNo: number, code: string): Promise<Variant> {
  const v = await store.shop.variants.get(mall.mallId, productNo, code);
  if (!v) throw notFound(`variant ${code} of product ${productNo}`);
  return v;
}

export async function getVariant(store: Store, mall: Mall, productNo: number, code: string, q: Query) {
  checkShopNo(mall, q.shop_no);
  const v = await variantOf(store, mall, productNo, code);
  return { variant: picked(v, mall, embedsOf(q).inventories, q) };
}

/** The `request` of a variant write: its own fields and, as Cafe24 allows, its inventory's. */
export interface VariantRequest {
  custom_variant_code?: string;
  display?: YesNo;
  selling?: YesNo;
  additional_amount?: string | number;
  use_inventory?: YesNo;
  important_inventory?: 'A' | 'B';
  inventory_control_type?: 'A' | 'B';
  display_soldout?: YesNo;
  quantity?: number;
  safety_inventory?: number;
}

const signedMoney = (text: string) => (text.startsWith('-') ? -parseMoney(text.slice(1)) : parseMoney(text));

/** Only what differs from the stored variant: an empty patch is Cafe24's 409. */
function patchOf(v: Variant, r: VariantRequest): VariantPatch {
  const p: VariantPatch = {};
  const set = <K extends keyof VariantPatch>(key: K, value: VariantPatch[K] | undefined) => {
    if (value !== undefined && value !== v[key as keyof Variant]) p[key] = value;
  };
  set('customVariantCode', r.custom_variant_code);
  set('display', r.display);
  set('selling', r.selling);
  set('additionalAmount', r.additional_amount === undefined ? undefined : signedMoney(String(r.additional_amount)));
  set('useInventory', r.use_inventory);
  set('importantInventory', r.important_inventory);
  set('inventoryControlType', r.inventory_control_type);
  set('displaySoldout', r.display_soldout);
  set('quantity', r.quantity);
  set('safetyInventory', r.safety_inventory);
  return p;
}

type Deps = { store: Store; clock: Clock };

export async function updateVariant(deps: Deps, mall: Mall, productNo: number, code: string, body: { shop_no?: number; request: VariantRequest }) {
  checkShopNo(mall, body.shop_no);
  return deps.store.transaction(async (tx) => {
    const v = await variantOf(tx, mall, productNo, code);
    const patch = patchOf(v, body.request);
    if (Object.keys(patch).length === 0) throw nothingChanged(`variant ${code}`);
    const updated = await tx.shop.variants.update(mall.mallId, productNo, code, patch, deps.clock.now());
    return { variant: variantView(updated!, mall, false) };
  });
}

/** `PUT /products/{no}/variants`: several variants at once, all or none; unchanged ones are left as they are. */
export async function updateVariants(deps: Deps, mall: Mall, productNo: number, body: { shop_no?: number; request: (VariantRequest & { variant_code: string })[] }) {
  checkShopNo(mall, body.shop_no);
  return deps.store.transaction(async (tx) => {
    await productOf(tx, mall, productNo);
    const out = [];
    let changed = 0;
    for (const [i, r] of body.request.entries()) {
      const v = await tx.shop.variants.get(mall.mallId, productNo, r.variant_code);
      if (!v) throw invalidParameter(`request[${i}].variant_code: variant ${r.variant_code} does not exist in product ${productNo}`);
      const patch = patchOf(v, r);
      if (Object.keys(patch).length > 0) changed++;
      out.push(Object.keys(patch).length > 0 ? (await tx.shop.variants.update(mall.mallId, productNo, r.variant_code, patch, deps.clock.now()))! : v);
    }
    if (changed === 0) throw nothingChanged(`variants of product ${productNo}`);
    return { variants: out.map((v) => variantView(v, mall, false)) };
  });
}

export async function getInventory(store: Store, mall: Mall, productNo: number, code: string, q: Query) {
  checkShopNo(mall, q.shop_no);
  return { inventory: inventoryView(await variantOf(store, mall, productNo, code), mall) };
}

export async function updateInventory(deps: Deps, mall: Mall, productNo: number, code: string, body: { shop_no?: number; request: VariantRequest }) {
  checkShopNo(mall, body.shop_no);
  return deps.store.transaction(async (tx) => {
    const v = await variantOf(tx, mall, productNo, code);
    const patch = patchOf(v, body.request);
    if (Object.keys(patch).length === 0) throw nothingChanged(`inventory of variant ${code}`);
    const updated = await tx.shop.variants.update(mall.mallId, productNo, code, patch, deps.clock.now());
    return { inventory: inventoryView(updated!, mall) };
  });
}
