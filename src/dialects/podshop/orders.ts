import type { Clock } from '../../clock.js';
import { ApiError } from '../../errors.js';
import type { Order } from '../../store/shop-types.js';
import type { Mall, PodOrderRef, Store } from '../../store/types.js';
import { createOrders, type OrderRequest } from '../../api/orders.js';
import { POD_PRICE_PATTERN } from './schemas.js';
import { MAX_OFFSET, MEMBER_ID_PATTERN } from '../cafe24/schemas.js';
import { isoLocal } from '../../api/shop-time.js';

/**
 * POD Shop's orders (wire.md, POD Shop dialect, Orders) on the mall's shop orders, the same the
 * Cafe24-style API serves: the POD body is checked by its JSON Schema (schemas.ts, on the
 * route), then mapped onto createOrders' OrderRequest (projectId = product_no). Errors name the POD field, e.g.
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
  /** The client's own customer reference, kept as sent (opaque); null for none. */
  storeCustomerId: string | null;
  entries: { projectId: number; quantity: number; productSellPrice: number | undefined }[];
  shippingAddress: { recipient: string; postcode: string; address: string; addressDetail: string; phoneNumber: string; nationCode: string };
}

/** The body as schemas.ts podOrdersBody admits it (the route validated it). */
export interface PodOrdersBody {
  orders: {
    orderCode: string;
    storeCustomerId?: string | null;
    orderEntries: { projectId: number | string; quantity: number | string; productSellPrice?: number | string | null }[];
    shippingAddress: { recipient: string; postcode: string; address: string; addressDetail?: string | null; phoneNumber?: string | null; nationCode?: string | null };
  }[];
}

const MEMBER_ID = new RegExp(MEMBER_ID_PATTERN);
const PRICE = new RegExp(POD_PRICE_PATTERN);

/**
 * The validated body as PodOrders: what its schema cannot say is checked here (an orderCode twice
 * in the batch; a JSON number with more than two decimals).
 */
export function podOrdersOf(body: PodOrdersBody): PodOrder[] {
  const seen = new Map<string, number>();
  return body.orders.map((order, i) => {
    const path = `orders[${i}]`;
    const twin = seen.get(order.orderCode);
    if (twin !== undefined) throw new PodFieldError(`${path}.orderCode`, `repeats orders[${twin}].orderCode`);
    seen.set(order.orderCode, i);
    const a = order.shippingAddress;
    return {
      orderCode: order.orderCode,
      storeCustomerId: order.storeCustomerId || null,
      entries: order.orderEntries.map((e, j) => {
        const price = e.productSellPrice ?? undefined;
        if (price !== undefined && !PRICE.test(String(price))) {
          throw new PodFieldError(`${path}.orderEntries[${j}].productSellPrice`, 'must be a number from 0 with at most two decimals');
        }
        return { projectId: Number(e.projectId), quantity: Number(e.quantity), productSellPrice: price === undefined ? undefined : Number(price) };
      }),
      shippingAddress: {
        recipient: a.recipient,
        postcode: a.postcode,
        address: a.address,
        addressDetail: a.addressDetail ?? '',
        phoneNumber: a.phoneNumber ?? '',
        nationCode: a.nationCode || 'KR',
      },
    };
  });
}

/**
 * Creates the orders in one transaction: unknown products and orderCodes already used in the
 * mall are PodFieldErrors and nothing is written. A storeCustomerId that is the member_id of a
 * customer of the mall makes the order that customer's; any other is kept but the order is a
 * guest's (docs/podshop.md, Orders).
 */
export async function createPodOrders(deps: { store: Store; clock: Clock }, mall: Mall, orders: PodOrder[]): Promise<{ order: Order; ref: PodOrderRef }[]> {
  return deps.store.transaction(async (tx) => {
    const taken = await tx.podOrderCodes.byCode(mall.mallId, orders.map((o) => o.orderCode));
    const productNos = [...new Set(orders.flatMap((o) => o.entries.map((e) => e.projectId)))];
    const products = new Set((await tx.shop.products.getMany(mall.mallId, productNos)).map((p) => p.productNo));
    for (const [i, o] of orders.entries()) {
      const used = taken.get(o.orderCode);
      if (used !== undefined) throw new PodFieldError(`orders[${i}].orderCode`, `is already used by order ${used}`);
      for (const [j, e] of o.entries.entries()) {
        if (!products.has(e.projectId)) throw new PodFieldError(`orders[${i}].orderEntries[${j}].projectId`, `product ${e.projectId} does not exist in this mall`);
      }
    }
    const members = await membersAmong(tx, mall, orders);
    const requests: OrderRequest[] = orders.map((o) => ({
      member_id: o.storeCustomerId !== null && members.has(o.storeCustomerId) ? o.storeCustomerId : null,
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
      if (error instanceof ApiError && error.code === 'invalid_parameter') {
        const colon = error.description.indexOf(':');
        throw new PodFieldError(colon > 0 ? error.description.slice(0, colon).replace('.items', '.orderEntries') : 'orders', colon > 0 ? error.description.slice(colon + 2) : error.description);
      }
      throw error;
    }
    const refs = created.map((order, i) => ({ order, ref: { orderId: order.orderId, orderCode: orders[i]!.orderCode, storeCustomerId: orders[i]!.storeCustomerId } }));
    // The primary key settles a race between two requests with one orderCode: the loser writes nothing.
    if (!(await tx.podOrderCodes.add(mall.mallId, refs.map((r) => r.ref)))) {
      throw new PodFieldError('orders', 'an orderCode was used by another request at the same time; nothing was written');
    }
    return refs;
  });
}

/** The storeCustomerIds of the batch that are member_ids of the mall's customers: one query. */
async function membersAmong(store: Store, mall: Mall, orders: PodOrder[]): Promise<Set<string>> {
  const ids = [...new Set(orders.flatMap((o) => (o.storeCustomerId !== null && MEMBER_ID.test(o.storeCustomerId) ? [o.storeCustomerId] : [])))];
  if (ids.length === 0) return new Set();
  const found = await store.shop.customers.list(mall.mallId, { memberId: ids }, { limit: ids.length, offset: 0 });
  return new Set(found.map((c) => c.memberId));
}

const amount = (hundredths: number) => hundredths / 100;

/**
 * An order as POD Shop clients read it: their field names, amounts as numbers. `ref`: what the
 * client sent, for orders created through the POD API. storeCustomerId is as sent; for other
 * orders (and those created before it was kept, whose member_id is what they sent) the member_id.
 */
export function podOrderView(o: Order, ref: PodOrderRef | undefined, mall: Mall) {
  return {
    orderCode: ref?.orderCode ?? null,
    orderId: o.orderId,
    storeCustomerId: ref?.storeCustomerId ?? o.memberId,
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

/** A page of the mall's orders (oldest first, as the Cafe24-style list) and the total; `pageNo` from 0 as POD Shop pages. */
export async function listPodOrders(store: Store, mall: Mall, query: { pageNo: number; pageSize: number }) {
  const page = { limit: query.pageSize, offset: query.pageNo * query.pageSize };
  // Issue 15, item 8: the same cap on how deep a page may start as the Admin API's offset (8000, as Cafe24's).
  if (page.offset > MAX_OFFSET) throw new PodFieldError('pageNo', `pageNo * pageSize must be at most ${MAX_OFFSET}`);
  const [orders, total] = await Promise.all([store.shop.orders.list(mall.mallId, {}, page), store.shop.orders.count(mall.mallId, {})]);
  const refs = await store.podOrderCodes.byOrder(mall.mallId, orders.map((o) => o.orderId));
  return { total, orders: orders.map((o) => podOrderView(o, refs.get(o.orderId), mall)) };
}
