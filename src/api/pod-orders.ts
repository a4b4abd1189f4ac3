import type { Clock } from '../clock.js';
import { OAuthError } from '../oauth/errors.js';
import type { Order } from '../store/shop-types.js';
import type { Mall, Store } from '../store/types.js';
import { createOrders, type OrderRequest } from './orders.js';
import { MEMBER_ID_PATTERN } from './schemas.js';
import { isoLocal } from './shop-time.js';

/**
 * POD Shop's orders (wire.md, POD Shop dialect, Orders) on the mall's shop orders, the same the
 * Cafe24-style API serves: the POD body is checked field by field, then mapped onto
 * createOrders' OrderRequest (projectId = product_no). Errors name the POD field, e.g.
 * `orders[0].orderEntries[1].projectId`; the batch is written whole or not at all.
 */
export class PodFieldError extends Error {
  override readonly name = 'PodFieldError';
  constructor(readonly field: string, readonly why: string) {
    super(`${field}: ${why}`);
  }
}

export interface PodOrder {
  orderCode: string;
  storeCustomerId: string | null;
  entries: { projectId: number; quantity: number; productSellPrice: number | undefined }[];
  shippingAddress: { recipient: string; postcode: string; address: string; addressDetail: string; phoneNumber: string; nationCode: string };
}

const MAX_ORDERS = 100;
const MAX_ENTRIES = 100;
const MEMBER_ID = new RegExp(MEMBER_ID_PATTERN);

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function text(o: Obj, field: string, path: string, max: number, options: { required?: boolean } = {}): string {
  const v = o[field];
  if (v === undefined || v === null || v === '') {
    if (options.required) throw new PodFieldError(`${path}.${field}`, 'is required');
    return '';
  }
  if (typeof v !== 'string') throw new PodFieldError(`${path}.${field}`, 'must be a string');
  if (v.length > max) throw new PodFieldError(`${path}.${field}`, `must be at most ${max} characters`);
  return v;
}

/** An integer in [min, max]; digits in a string are accepted too (ids often travel as strings). */
function integer(o: Obj, field: string, path: string, min: number, max: number): number {
  const v = o[field];
  if (v === undefined || v === null) throw new PodFieldError(`${path}.${field}`, 'is required');
  const n = typeof v === 'string' && /^\d{1,10}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw new PodFieldError(`${path}.${field}`, `must be an integer from ${min} to ${max}`);
  return n;
}

/** A price: a number (or decimal string) with at most two decimals, 0 to 9,999,999,999. */
function price(o: Obj, field: string, path: string): number | undefined {
  const v = o[field];
  if (v === undefined || v === null) return undefined;
  const s = typeof v === 'number' ? String(v) : v;
  if (typeof s !== 'string' || !/^\d{1,10}(\.\d{1,2})?$/.test(s)) throw new PodFieldError(`${path}.${field}`, 'must be a number from 0 with at most two decimals');
  return Number(s);
}

/** Checks the shape of `{"orders":[...]}`; unknown fields are ignored, as POD Shop clients may send more. */
export function parsePodOrders(body: unknown): PodOrder[] {
  if (!isObject(body)) throw new PodFieldError('orders', 'the body must be a JSON object {"orders":[...]}');
  const orders = body.orders;
  if (!Array.isArray(orders) || orders.length === 0) throw new PodFieldError('orders', 'must be a non-empty array');
  if (orders.length > MAX_ORDERS) throw new PodFieldError('orders', `at most ${MAX_ORDERS} orders per request`);
  const seen = new Map<string, number>();
  return orders.map((order: unknown, i) => {
    const path = `orders[${i}]`;
    if (!isObject(order)) throw new PodFieldError(path, 'must be an object');
    const orderCode = text(order, 'orderCode', path, 64, { required: true });
    const twin = seen.get(orderCode);
    if (twin !== undefined) throw new PodFieldError(`${path}.orderCode`, `repeats orders[${twin}].orderCode`);
    seen.set(orderCode, i);
    let storeCustomerId: string | null = null;
    if (order.storeCustomerId !== undefined && order.storeCustomerId !== null && order.storeCustomerId !== '') {
      const id = typeof order.storeCustomerId === 'number' ? String(order.storeCustomerId) : order.storeCustomerId;
      if (typeof id !== 'string' || !MEMBER_ID.test(id)) throw new PodFieldError(`${path}.storeCustomerId`, 'must be 1-20 letters, digits or ._@-');
      storeCustomerId = id;
    }
    const entries = order.orderEntries;
    if (!Array.isArray(entries) || entries.length === 0) throw new PodFieldError(`${path}.orderEntries`, 'must be a non-empty array');
    if (entries.length > MAX_ENTRIES) throw new PodFieldError(`${path}.orderEntries`, `at most ${MAX_ENTRIES} entries per order`);
    const address = order.shippingAddress;
    if (!isObject(address)) throw new PodFieldError(`${path}.shippingAddress`, 'is required (an object)');
    const ap = `${path}.shippingAddress`;
    const nationCode = text(address, 'nationCode', ap, 64) || 'KR';
    if (!/^[A-Z]{2}$/.test(nationCode)) throw new PodFieldError(`${ap}.nationCode`, 'must be an ISO 3166-1 alpha-2 code such as KR');
    return {
      orderCode,
      storeCustomerId,
      entries: entries.map((entry: unknown, j) => {
        const ep = `${path}.orderEntries[${j}]`;
        if (!isObject(entry)) throw new PodFieldError(ep, 'must be an object');
        return { projectId: integer(entry, 'projectId', ep, 1, 999_999_999), quantity: integer(entry, 'quantity', ep, 1, 9999), productSellPrice: price(entry, 'productSellPrice', ep) };
      }),
      shippingAddress: {
        recipient: text(address, 'recipient', ap, 100, { required: true }),
        postcode: text(address, 'postcode', ap, 14, { required: true }),
        address: text(address, 'address', ap, 255, { required: true }),
        addressDetail: text(address, 'addressDetail', ap, 255),
        phoneNumber: text(address, 'phoneNumber', ap, 20),
        nationCode,
      },
    };
  });
}

/**
 * Creates the orders in one transaction: unknown products and customers, and orderCodes already
 * used in the mall, are PodFieldErrors and nothing is written.
 */
export async function createPodOrders(deps: { store: Store; clock: Clock }, mall: Mall, orders: PodOrder[]): Promise<{ order: Order; orderCode: string }[]> {
  return deps.store.transaction(async (tx) => {
    const taken = await tx.podOrderCodes.byCode(mall.mallId, orders.map((o) => o.orderCode));
    const productNos = [...new Set(orders.flatMap((o) => o.entries.map((e) => e.projectId)))];
    const products = new Set((await tx.shop.products.getMany(mall.mallId, productNos)).map((p) => p.productNo));
    for (const [i, o] of orders.entries()) {
      const used = taken.get(o.orderCode);
      if (used !== undefined) throw new PodFieldError(`orders[${i}].orderCode`, `is already used by order ${used}`);
      if (o.storeCustomerId !== null && !(await tx.shop.customers.get(mall.mallId, o.storeCustomerId))) {
        throw new PodFieldError(`orders[${i}].storeCustomerId`, `customer ${o.storeCustomerId} does not exist in this mall`);
      }
      for (const [j, e] of o.entries.entries()) {
        if (!products.has(e.projectId)) throw new PodFieldError(`orders[${i}].orderEntries[${j}].projectId`, `product ${e.projectId} does not exist in this mall`);
      }
    }
    const requests: OrderRequest[] = orders.map((o) => ({
      member_id: o.storeCustomerId,
      buyer_name: o.shippingAddress.recipient,
      receiver: {
        name: o.shippingAddress.recipient,
        zipcode: o.shippingAddress.postcode,
        address1: o.shippingAddress.address,
        address2: o.shippingAddress.addressDetail,
        cellphone: o.shippingAddress.phoneNumber,
        country_code: o.shippingAddress.nationCode,
      },
      items: o.entries.map((e) => ({ product_no: e.projectId, quantity: e.quantity, ...(e.productSellPrice !== undefined ? { product_price: e.productSellPrice } : {}) })),
    }));
    let created: Order[];
    try {
      created = await createOrders({ store: tx, clock: deps.clock }, mall, requests, (i) => `orders[${i}]`);
    } catch (error) {
      // What only createOrders checks (the order total's ceiling) comes back in its words: "orders[i].items: ...".
      if (error instanceof OAuthError && error.error === 'invalid_parameter') {
        const colon = error.description.indexOf(':');
        throw new PodFieldError(colon > 0 ? error.description.slice(0, colon).replace('.items', '.orderEntries') : 'orders', colon > 0 ? error.description.slice(colon + 2) : error.description);
      }
      throw error;
    }
    const pairs = created.map((order, i) => ({ order, orderCode: orders[i]!.orderCode }));
    // The primary key settles a race between two requests with one orderCode: the loser writes nothing.
    if (!(await tx.podOrderCodes.add(mall.mallId, pairs.map((p) => ({ orderCode: p.orderCode, orderId: p.order.orderId }))))) {
      throw new PodFieldError('orders', 'an orderCode was used by another request at the same time; nothing was written');
    }
    return pairs;
  });
}

const amount = (hundredths: number) => hundredths / 100;

/** An order as POD Shop clients read it: their field names, amounts as numbers. */
export function podOrderView(o: Order, orderCode: string | null, mall: Mall) {
  return {
    orderCode,
    orderId: o.orderId,
    storeCustomerId: o.memberId,
    orderStatus: o.orderStatus,
    orderedAt: isoLocal(o.orderedAt, mall.timezone),
    currency: o.currency,
    paymentAmount: amount(o.paymentAmount),
    orderEntries: o.items.map((i) => ({ projectId: i.productNo, productName: i.productName, quantity: i.quantity, productSellPrice: amount(i.productPrice) })),
    shippingAddress: {
      recipient: o.receiver.name,
      postcode: o.receiver.zipcode,
      address: o.receiver.address1,
      addressDetail: o.receiver.address2,
      phoneNumber: o.receiver.cellphone,
      nationCode: o.receiver.countryCode,
    },
  };
}

/** `pageNo` from 0 and `pageSize` (default 20, at most 100), as POD Shop lists page. */
export function podPage(query: Record<string, unknown>): { limit: number; offset: number } {
  const read = (name: string, fallback: number, min: number, max: number) => {
    const v = query[name];
    if (v === undefined || v === '') return fallback;
    if (typeof v !== 'string' || !/^\d{1,6}$/.test(v) || Number(v) < min || Number(v) > max) throw new PodFieldError(name, `must be an integer from ${min} to ${max}`);
    return Number(v);
  };
  const pageSize = read('pageSize', 20, 1, 100);
  const pageNo = read('pageNo', 0, 0, 100_000);
  return { limit: pageSize, offset: pageNo * pageSize };
}

/** A page of the mall's orders (oldest first, as the Cafe24-style list) and the total. */
export async function listPodOrders(store: Store, mall: Mall, page: { limit: number; offset: number }) {
  const [orders, total] = await Promise.all([store.shop.orders.list(mall.mallId, {}, page), store.shop.orders.count(mall.mallId, {})]);
  const codes = await store.podOrderCodes.byOrder(mall.mallId, orders.map((o) => o.orderId));
  return { total, orders: orders.map((o) => podOrderView(o, codes.get(o.orderId) ?? null, mall)) };
}
