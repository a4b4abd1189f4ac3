import type { Clock } from '../clock.js';
import type { Mall, Store } from '../store/types.js';
import type { CategoryInput, CategoryLink, CustomerInput, OrderStatus, ProductInput, ProductOption } from '../store/shop-types.js';
import { ROOT_CATEGORY_NO } from '../store/shop-types.js';
import { createOrders, resourceOf, type OrderRequest } from './orders.js';
import { customerView } from './customers.js';
import { productView } from './products.js';
import { emit } from '../webhooks/outbox.js';

/** The owner of the sample data's scripttags: no app (so no app's API lists them); the storefront preview shows them. */
export const SAMPLE_SCRIPTTAG_OWNER = 'sample-data';

/**
 * Sample shop data for a sandbox mall (`shopauth mall create ... --sample-data`): products,
 * customers and orders that look like a small Korean fashion and living shop. Deterministic: the
 * same seed and the same `now` give the same data, byte for byte. No network, no dependencies.
 */
export interface SampleCounts {
  products: number;
  customers: number;
  orders: number;
}

export const DEFAULT_SAMPLE_COUNTS: SampleCounts = { products: 240, customers: 300, orders: 500 };

/** mulberry32: a small, fast, well-mixed 32-bit PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FAMILY = ['Kim', 'Lee', 'Park', 'Choi', 'Jung', 'Kang', 'Cho', 'Yoon', 'Jang', 'Lim', 'Han', 'Oh', 'Seo', 'Shin', 'Kwon', 'Hwang', 'Ahn', 'Song'];
const GIVEN = ['Minjun', 'Seoyeon', 'Jiho', 'Hayoon', 'Doyun', 'Seoa', 'Eunwoo', 'Jiwoo', 'Siwoo', 'Harin', 'Yejun', 'Jiyu', 'Juwon', 'Sua', 'Hajun', 'Chaewon', 'Jihun', 'Yuna', 'Gunwoo', 'Dahyun'];
const DISTRICTS = [
  ['04524', 'Seoul, Jung-gu, Sejong-daero 110'], ['06164', 'Seoul, Gangnam-gu, Teheran-ro 521'], ['03900', 'Seoul, Mapo-gu, World Cup buk-ro 400'],
  ['48058', 'Busan, Haeundae-gu, Centum jungang-ro 79'], ['41911', 'Daegu, Jung-gu, Gongpyeong-ro 88'], ['21554', 'Incheon, Namdong-gu, Jeonggak-ro 29'],
  ['61945', 'Gwangju, Seo-gu, Naebang-ro 111'], ['34126', 'Daejeon, Yuseong-gu, Daehak-ro 99'], ['13494', 'Seongnam, Bundang-gu, Pangyoyeok-ro 235'],
  ['63122', 'Jeju, Jeju-si, Munyeon-ro 6'],
] as const;
const MAIL = ['example.com', 'example.net', 'example.org'];

/** [item, English item, price range in whole won] */
const ITEMS: [string, number, number][] = [
  ['Shirt', 29_000, 89_000], ['T-Shirt', 12_000, 39_000], ['Cardigan', 39_000, 129_000], ['Knit Sweater', 35_000, 119_000],
  ['Wide Pants', 32_000, 79_000], ['Denim Jacket', 59_000, 169_000], ['Trench Coat', 99_000, 289_000], ['Dress', 45_000, 149_000],
  ['Tote Bag', 19_000, 79_000], ['Sneakers', 49_000, 139_000], ['Cap', 15_000, 35_000], ['Socks Set', 7_000, 19_000],
  ['Mug', 9_000, 28_000], ['Pillow Cover', 12_000, 32_000], ['Blanket', 39_000, 99_000], ['Candle', 14_000, 36_000],
  ['Ceramic Plate', 11_000, 34_000], ['Tumbler', 15_000, 39_000], ['Desk Lamp', 35_000, 89_000], ['Towel Set', 19_000, 45_000],
];
const MATERIALS = ['Linen', 'Cotton', 'Wool', 'Cashmere Blend', 'Organic Cotton', 'Ceramic', 'Recycled', 'Washed', 'Soft', 'Classic'];
const STYLES = ['Relaxed', 'Oversized', 'Slim', 'Everyday', 'Basic', 'Signature', 'Vintage', 'Minimal', 'Weekend', 'Studio'];
const COLORS = ['Ivory', 'Black', 'Navy', 'Beige', 'Charcoal', 'Sage', 'Cream', 'Khaki', 'Sky Blue', 'Brick'];

const STATUS_WEIGHTS: [OrderStatus, number][] = [['N00', 6], ['N10', 10], ['N20', 8], ['N22', 2], ['N30', 14], ['N40', 52], ['C40', 5], ['R40', 3]];
const DAY = 86_400_000;

export interface SampleData extends SampleCatalogue {
  products: ProductInput[];
  customers: CustomerInput[];
  /** Orders refer to products by position (product_no = index + 1 in a fresh mall) and to customers by id. */
  orders: (OrderRequest & { orderedAt: number })[];
}

export function generateSampleData(seed: number, now: number, counts: SampleCounts = DEFAULT_SAMPLE_COUNTS): SampleData {
  const rnd = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pickOne = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const phone = () => `010-${String(int(1000, 9999))}-${String(int(1000, 9999))}`;

  const products: ProductInput[] = [];
  for (let i = 0; i < counts.products; i++) {
    const [item, lo, hi] = pickOne(ITEMS);
    const name = `${pickOne(MATERIALS)} ${pickOne(STYLES)} ${item} (${pickOne(COLORS)})`;
    const price = Math.round(int(lo, hi) / 100) * 100;
    products.push({
      customProductCode: `SA-${String(i + 1).padStart(5, '0')}`,
      productName: name,
      engProductName: name,
      modelName: `${item.replace(/\W+/g, '').toUpperCase().slice(0, 6)}-${int(100, 999)}`,
      price: price * 100,
      retailPrice: Math.round((price * (1.1 + rnd() * 0.4)) / 100) * 100 * 100,
      supplyPrice: Math.round((price * (0.4 + rnd() * 0.2)) / 100) * 100 * 100,
      display: rnd() < 0.9 ? 'T' : 'F',
      selling: rnd() < 0.85 ? 'T' : 'F',
      summaryDescription: `${item} for every day, ${pickOne(['machine washable', 'limited stock', 'new season', 'best seller', 'restocked'])}.`,
      stockQuantity: rnd() < 0.1 ? 0 : int(1, 500),
    });
  }

  const customers: CustomerInput[] = [];
  const memberIds = new Set<string>();
  for (let i = 0; i < counts.customers; i++) {
    const family = pickOne(FAMILY);
    const given = pickOne(GIVEN);
    let memberId = `${given.toLowerCase()}${int(10, 9999)}`;
    while (memberIds.has(memberId)) memberId = `${given.toLowerCase()}${int(10, 99999)}`;
    memberIds.add(memberId);
    const year = int(1965, 2004);
    customers.push({
      memberId,
      name: `${family} ${given}`,
      email: `${memberId}@${pickOne(MAIL)}`,
      cellphone: phone(),
      gender: rnd() < 0.15 ? null : rnd() < 0.55 ? 'F' : 'M',
      birthday: rnd() < 0.3 ? null : `${year}-${String(int(1, 12)).padStart(2, '0')}-${String(int(1, 28)).padStart(2, '0')}`,
      groupNo: rnd() < 0.8 ? 1 : int(2, 4),
      sms: rnd() < 0.4 ? 'T' : 'F',
      newsMail: rnd() < 0.35 ? 'T' : 'F',
      createdAt: now - int(30, 720) * DAY - int(0, DAY - 1),
    });
  }
  customers.sort((a, b) => a.createdAt - b.createdAt);

  const totalWeight = STATUS_WEIGHTS.reduce((s, [, w]) => s + w, 0);
  const status = (): OrderStatus => {
    let r = rnd() * totalWeight;
    for (const [s, w] of STATUS_WEIGHTS) if ((r -= w) < 0) return s;
    return 'N40';
  };
  const orders: (OrderRequest & { orderedAt: number })[] = [];
  for (let i = 0; i < counts.orders && counts.products > 0; i++) {
    const member = customers.length > 0 && rnd() < 0.7 ? pickOne(customers) : undefined;
    const buyerName = member?.name ?? `${pickOne(FAMILY)} ${pickOne(GIVEN)}`;
    const [zipcode, address1] = pickOne(DISTRICTS);
    const cellphone = member?.cellphone ?? phone();
    const s = status();
    const items = Array.from({ length: int(1, 4) }, () => ({ product_no: int(1, counts.products), quantity: rnd() < 0.8 ? 1 : int(2, 3) }));
    orders.push({
      member_id: member?.memberId ?? null,
      buyer_name: buyerName,
      buyer_email: member?.email ?? `guest${int(1000, 99999)}@${pickOne(MAIL)}`,
      buyer_cellphone: cellphone,
      receiver: { name: rnd() < 0.85 ? buyerName : `${pickOne(FAMILY)} ${pickOne(GIVEN)}`, zipcode, address1, address2: `${int(1, 30)}F ${int(101, 2505)}`, cellphone, country_code: 'KR' },
      items,
      shipping_fee: rnd() < 0.5 ? '0' : '3000',
      order_status: s,
      paid: s === 'N00' ? 'F' : 'T',
      // Within the last 90 days: one Cafe24 order list (at most 3 months) can read them all.
      orderedAt: now - int(0, 89) * DAY - int(0, DAY - 1),
    });
  }
  orders.sort((a, b) => a.orderedAt - b.orderedAt);
  return { products, customers, orders, ...catalogue(seed, products) };
}

/** Categories: [name, parent name or null]; items go to the category named in CATEGORY_OF. */
const CATEGORIES: [string, string | null][] = [
  ['Outer', null], ['Tops', null], ['Bottoms', null], ['Dresses', null], ['Bags & Shoes', null], ['Accessories', null], ['Living', null],
  ['Coats', 'Outer'], ['Jackets', 'Outer'], ['Shirts', 'Tops'], ['Knits', 'Tops'], ['T-Shirts', 'Tops'],
  ['Kitchen', 'Living'], ['Bedding', 'Living'], ['Lighting', 'Living'], ['Bath', 'Living'],
];
const CATEGORY_OF: Record<string, string> = {
  Shirt: 'Shirts', 'T-Shirt': 'T-Shirts', Cardigan: 'Knits', 'Knit Sweater': 'Knits', 'Wide Pants': 'Bottoms', 'Denim Jacket': 'Jackets',
  'Trench Coat': 'Coats', Dress: 'Dresses', 'Tote Bag': 'Bags & Shoes', Sneakers: 'Bags & Shoes', Cap: 'Accessories', 'Socks Set': 'Accessories',
  Mug: 'Kitchen', 'Pillow Cover': 'Bedding', Blanket: 'Bedding', Candle: 'Living', 'Ceramic Plate': 'Kitchen', Tumbler: 'Kitchen',
  'Desk Lamp': 'Lighting', 'Towel Set': 'Bath',
};
const SIZED = new Set(['Shirt', 'T-Shirt', 'Cardigan', 'Knit Sweater', 'Wide Pants', 'Denim Jacket', 'Trench Coat', 'Dress']);

export interface SampleCatalogue {
  /** In creation order; parents before children. */
  categories: (Omit<CategoryInput, 'parentCategoryNo' | 'categoryDepth'> & { parent: string | null })[];
  /** product position (1-based) -> category names it is in (its own and, for a sub-category, the parent). */
  productCategories: { position: number; names: string[]; recommend: 'T' | 'F' }[];
  /** product position -> options (one variant per combination) and each variant's stock. */
  productOptions: { position: number; options: ProductOption[]; quantities: number[] }[];
  scripttags: { src: string; displayLocation: string[]; excludePath: string[] }[];
}

/** The catalogue around the products, from its own stream (so the products, customers and orders stay as they were). */
function catalogue(seed: number, products: ProductInput[]): SampleCatalogue {
  const rnd = prng(seed + 0x9e37);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const categories = CATEGORIES.map(([categoryName, parent], i) => ({
    categoryName, parent, displayType: 'A' as const, useDisplay: 'T' as const, useMain: parent === null && i < 3 ? 'T' as const : 'F' as const, displayOrder: i,
  }));
  const parentOf = new Map(CATEGORIES);
  const productCategories: SampleCatalogue['productCategories'] = [];
  const productOptions: SampleCatalogue['productOptions'] = [];
  products.forEach((p, i) => {
    const item = ITEMS.map(([name]) => name).find((name) => p.productName.includes(` ${name} (`)) ?? 'Mug';
    const own = CATEGORY_OF[item] ?? 'Living';
    const parent = parentOf.get(own) ?? null;
    productCategories.push({ position: i + 1, names: parent ? [parent, own] : [own], recommend: rnd() < 0.1 ? 'T' : 'F' });
    if (SIZED.has(item) && rnd() < 0.6) {
      const color = /\(([^)]+)\)$/.exec(p.productName)?.[1] ?? 'Ivory';
      const other = COLORS[int(0, COLORS.length - 1)]!;
      const colors = other === color ? [color] : [color, other];
      const options = [{ name: 'Color', values: colors }, { name: 'Size', values: ['S', 'M', 'L'] }];
      productOptions.push({ position: i + 1, options, quantities: Array.from({ length: colors.length * 3 }, () => (rnd() < 0.1 ? 0 : int(1, 60))) });
    }
  });
  const scripttags = [
    { src: 'https://widgets.example.com/reviews/v2/reviews.js', displayLocation: ['PRODUCT_DETAIL'], excludePath: [] },
    { src: 'https://analytics.example.net/collect.js', displayLocation: ['all'], excludePath: ['/order/orderform.html'] },
  ];
  return { categories, productCategories, productOptions, scripttags };
}

/** What seedSampleData made. */
export interface SampleMade extends SampleCounts {
  categories: number;
  variants: number;
  scripttags: number;
}

/** Fills a mall with sample data, all or nothing. Returns how many of each were made. */
export async function seedSampleData(
  deps: { store: Store; clock: Clock },
  mall: Mall,
  options: { seed?: number; counts?: SampleCounts } = {},
): Promise<SampleMade> {
  const now = deps.clock.now();
  const data = generateSampleData(options.seed ?? 1, now, options.counts);
  return deps.store.transaction(async (tx) => {
    // The catalogue went up a little over a year ago; customers and orders came after.
    const made = await tx.shop.products.create(mall.mallId, data.products, now - 400 * DAY);
    // Orders name products by position; map onto the numbers the mall handed out.
    const numberOf = (position: number) => made[position - 1]!.productNo;
    await tx.shop.customers.create(mall.mallId, data.customers);
    // Issue 12: their events in the same transaction (none are written while no app listens).
    await emit(tx, deps.clock, mall, 'product.created', made.map((p) => resourceOf(productView(p, mall))));
    await emit(tx, deps.clock, mall, 'customer.created', data.customers.map((c) => resourceOf(customerView({ ...c, mallId: mall.mallId }, mall))));
    const orders = data.orders.map((o) => ({ ...o, items: o.items.map((it) => ({ ...it, product_no: numberOf(it.product_no) })) }));
    await createOrders({ store: tx, clock: deps.clock }, mall, orders);

    // Categories (parents first), the products in them, variants with stock, and storefront scripttags.
    const at = now - 400 * DAY;
    const numbers = new Map<string, { no: number; depth: number }>();
    for (const c of data.categories) {
      const parent = c.parent === null ? undefined : numbers.get(c.parent);
      const { parent: _p, ...input } = c;
      const [row] = await tx.shop.categories.create(mall.mallId, [{ ...input, parentCategoryNo: parent?.no ?? ROOT_CATEGORY_NO, categoryDepth: (parent?.depth ?? 0) + 1 }], at);
      numbers.set(c.categoryName, { no: row!.categoryNo, depth: row!.categoryDepth });
    }
    const links: CategoryLink[] = data.productCategories.flatMap((pc) =>
      pc.names.map((name) => ({ productNo: numberOf(pc.position), categoryNo: numbers.get(name)!.no, recommend: pc.recommend, new: 'F' as const })),
    );
    await tx.shop.categories.link(mall.mallId, links, []);
    let variants = 0;
    for (const po of data.productOptions) {
      const product = made[po.position - 1]!;
      const inventory = { useInventory: 'T' as const, importantInventory: 'A' as const, inventoryControlType: 'A' as const, displaySoldout: 'T' as const, quantity: 0, safetyInventory: 0 };
      const rows = await tx.shop.variants.setOptions(mall.mallId, product.productNo, product.productCode, po.options, at, inventory);
      for (const [j, v] of rows.entries()) await tx.shop.variants.update(mall.mallId, product.productNo, v.variantCode, { quantity: po.quantities[j] ?? 0 }, at);
      variants += rows.length;
    }
    for (const t of data.scripttags) await tx.shop.scripttags.create(mall.mallId, { clientId: SAMPLE_SCRIPTTAG_OWNER, ...t, skinNo: [], integrity: null }, now);
    return { products: made.length, customers: data.customers.length, orders: orders.length, categories: data.categories.length, variants, scripttags: data.scripttags.length };
  });
}
