import type { Clock } from '../clock.js';
import type { Mall, Store } from '../store/types.js';
import type { CustomerInput, OrderStatus, ProductInput } from '../store/shop-types.js';
import { createOrders, resourceOf, type OrderRequest } from './orders.js';
import { customerView } from './customers.js';
import { productView } from './products.js';
import { emit } from '../webhooks/outbox.js';

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

export interface SampleData {
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
      orderedAt: now - int(0, 120) * DAY - int(0, DAY - 1),
    });
  }
  orders.sort((a, b) => a.orderedAt - b.orderedAt);
  return { products, customers, orders };
}

/** Fills a mall with sample data, all or nothing. Returns how many of each were made. */
export async function seedSampleData(
  deps: { store: Store; clock: Clock },
  mall: Mall,
  options: { seed?: number; counts?: SampleCounts } = {},
): Promise<SampleCounts> {
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
    return { products: made.length, customers: data.customers.length, orders: orders.length };
  });
}
