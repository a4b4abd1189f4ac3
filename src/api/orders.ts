import { ApiError } from '../errors.js';
import type { Clock } from '../clock.js';
import type { Mall, Store } from '../store/types.js';
import type { Order, OrderFilter, OrderInput, OrderStatus, YesNo } from '../store/shop-types.js';
import { checkShopNo, invalidParameter, notFound, pageOf, pick, values, type Query } from './resources.js';
import { compactLocalDate, isCalendarDate, isoLocal, localToEpoch, money, parseMoney } from './shop-time.js';
import { emit } from '../webhooks/outbox.js';

/** The widest start_date..end_date of an order list or count (Cafe24's order list). */
export const ORDER_MAX_MONTHS = 3;

/**
 * Orders (scopes mall.read_order / mall.write_order). createOrders and listOrders are the
 * service the Cafe24 routes call, and any other dialect that maps its own body onto
 * OrderRequest (POD Shop's /ac/api/external/orders).
 */
export function orderView(o: Order, mall: Mall) {
  return {
    shop_no: mall.shopNo,
    order_id: o.orderId,
    member_id: o.memberId,
    buyer_name: o.buyerName,
    buyer_email: o.buyerEmail,
    buyer_cellphone: o.buyerCellphone,
    order_date: isoLocal(o.orderedAt, mall.timezone),
    order_status: o.orderStatus,
    paid: o.paid,
    canceled: o.orderStatus === 'C40' ? 'T' : 'F',
    currency: o.currency,
    payment_amount: money(o.paymentAmount),
    actual_order_amount: {
      order_price_amount: money(o.orderPriceAmount),
      shipping_fee: money(o.shippingFee),
      payment_amount: money(o.paymentAmount),
    },
  };
}

/** `GET /orders/{id}/items`, and `embed=items`. */
export const orderItemsView = (o: Order) =>
  o.items.map((i) => ({
    item_no: i.itemNo,
    product_no: i.productNo,
    product_code: i.productCode,
    product_name: i.productName,
    quantity: i.quantity,
    product_price: money(i.productPrice),
    order_status: o.orderStatus,
  }));

/** `GET /orders/{id}/receivers`, and `embed=receivers` (Cafe24: a list; shopauth orders have one). */
export const orderReceiversView = (o: Order, mall: Mall) => [
  {
    shop_no: mall.shopNo,
    name: o.receiver.name,
    zipcode: o.receiver.zipcode,
    address1: o.receiver.address1,
    address2: o.receiver.address2,
    phone: '',
    cellphone: o.receiver.cellphone,
    country_code: o.receiver.countryCode,
    shipping_message: '',
  },
];

/** `embed=buyer`. */
export const orderBuyerView = (o: Order, mall: Mall) => ({ shop_no: mall.shopNo, member_id: o.memberId, name: o.buyerName, email: o.buyerEmail, cellphone: o.buyerCellphone });

/** An order as the API shows it: `fields` picks its own fields; `embed` adds items, receivers, buyer. */
export function orderWithEmbeds(o: Order, mall: Mall, q: Query) {
  const embed = new Set(values(q.embed) ?? []);
  return {
    ...pick(orderView(o, mall), q.fields),
    ...(embed.has('items') ? { items: orderItemsView(o) } : {}),
    ...(embed.has('receivers') ? { receivers: orderReceiversView(o, mall) } : {}),
    ...(embed.has('buyer') ? { buyer: orderBuyerView(o, mall) } : {}),
  };
}

/** The created order in full, as POST /orders answers it. */
export const fullOrderView = (o: Order, mall: Mall) => orderWithEmbeds(o, mall, { embed: 'items,receivers,buyer' });

/** One order to create, in Cafe24's field names (the `request` of POST /orders, orderRequestSchema). */
export interface OrderRequest {
  member_id?: string | null;
  buyer_name: string;
  buyer_email?: string;
  buyer_cellphone?: string;
  receiver: { name: string; zipcode: string; address1: string; address2?: string; cellphone?: string; country_code?: string };
  items: { product_no: number; quantity: number; product_price?: string | number }[];
  shipping_fee?: string | number;
  order_status?: OrderStatus;
  paid?: YesNo;
}

/** Largest total an order may have: 10 digits of whole currency units. */
const MAX_AMOUNT = 9_999_999_999_99;

/**
 * Creates orders, all or none, in one transaction: members and products must exist in the
 * mall, item prices default to the product's, amounts are summed here. `path(i)` names the
 * i-th request in error messages ("request", or "orders[2]" for a batch), so a 422 points at
 * the field. `orderedAt` (default now) lets the sample data place orders in the past.
 */
export async function createOrders(
  deps: { store: Store; clock: Clock },
  mall: Mall,
  requests: (OrderRequest & { orderedAt?: number })[],
  path: (index: number) => string = (i) => (requests.length === 1 ? 'request' : `request[${i}]`),
): Promise<Order[]> {
  const now = deps.clock.now();
  return deps.store.transaction(async (tx) => {
    const productNos = [...new Set(requests.flatMap((r) => r.items.map((i) => i.product_no)))];
    const products = new Map((await tx.shop.products.getMany(mall.mallId, productNos)).map((p) => [p.productNo, p]));
    const members = new Set<string>();
    const inputs: OrderInput[] = [];
    for (const [i, r] of requests.entries()) {
      if (r.member_id) {
        if (!members.has(r.member_id) && !(await tx.shop.customers.get(mall.mallId, r.member_id))) {
          throw invalidParameter(`${path(i)}.member_id: customer ${r.member_id} does not exist in this mall`);
        }
        members.add(r.member_id);
      }
      const items = r.items.map((item, j) => {
        const p = products.get(item.product_no);
        if (!p) throw invalidParameter(`${path(i)}.items[${j}].product_no: product ${item.product_no} does not exist in this mall`);
        const productPrice = item.product_price === undefined ? p.price : parseMoney(item.product_price);
        return { productNo: p.productNo, productCode: p.productCode, productName: p.productName, quantity: item.quantity, productPrice };
      });
      const orderPriceAmount = items.reduce((sum, it) => sum + it.productPrice * it.quantity, 0);
      const shippingFee = r.shipping_fee === undefined ? 0 : parseMoney(r.shipping_fee);
      const paymentAmount = orderPriceAmount + shippingFee;
      if (paymentAmount > MAX_AMOUNT) throw invalidParameter(`${path(i)}.items: the order total exceeds ${money(MAX_AMOUNT)}`);
      inputs.push({
        memberId: r.member_id ?? null,
        buyerName: r.buyer_name,
        buyerEmail: r.buyer_email ?? '',
        buyerCellphone: r.buyer_cellphone ?? '',
        receiver: {
          name: r.receiver.name,
          zipcode: r.receiver.zipcode,
          address1: r.receiver.address1,
          address2: r.receiver.address2 ?? '',
          cellphone: r.receiver.cellphone ?? '',
          countryCode: r.receiver.country_code ?? 'KR',
        },
        orderStatus: r.order_status ?? 'N00',
        paid: r.paid ?? 'F',
        currency: 'KRW',
        orderPriceAmount,
        shippingFee,
        paymentAmount,
        orderedAt: r.orderedAt ?? now,
        items,
      });
    }
    const created = await tx.shop.orders.create(mall.mallId, inputs, (seq, at) => `${compactLocalDate(at, mall.timezone)}-${String(seq).padStart(7, '0')}`);
    // Issue 12: the event in the change's transaction (webhooks/outbox.ts).
    await emit(tx, deps.clock, mall, 'order.created', created.map((o) => resourceOf(fullOrderView(o, mall))));
    return created;
  });
}

/** A view as a webhook resource: Cafe24's event_shop_no stands for shop_no. */
export const resourceOf = <T extends { shop_no?: number }>(view: T): Omit<T, 'shop_no'> => {
  const { shop_no: _shopNo, ...rest } = view;
  return rest;
};

/** The filter of GET /orders and /orders/count; start_date/end_date are the mall's calendar days. */
export function orderFilter(mall: Mall, q: Query): OrderFilter {
  const f: OrderFilter = {};
  const orderId = values(q.order_id);
  const memberId = values(q.member_id);
  const orderStatus = values(q.order_status) as OrderStatus[] | undefined;
  if (orderId) f.orderId = orderId;
  if (memberId) f.memberId = memberId;
  if (orderStatus) f.orderStatus = orderStatus;
  const start = q.start_date === undefined ? undefined : String(q.start_date);
  const end = q.end_date === undefined ? undefined : String(q.end_date);
  if (start !== undefined && !isCalendarDate(start)) throw invalidParameter(`start_date ${start} is not a calendar date`);
  if (end !== undefined && !isCalendarDate(end)) throw invalidParameter(`end_date ${end} is not a calendar date`);
  if (start !== undefined && end !== undefined && start > end) throw invalidParameter('end_date must not be before start_date');
  if (start !== undefined) f.from = localToEpoch(`${start}T00:00:00`, mall.timezone);
  if (end !== undefined) {
    const next = new Date(Date.parse(`${end}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    f.until = localToEpoch(`${next}T00:00:00`, mall.timezone);
  }
  return f;
}

/**
 * Cafe24's order list and count: start_date and end_date are required (the schema says so) and at
 * most 3 months apart: end_date no later than the same day 3 months after start_date.
 */
export function checkOrderRange(q: Query): void {
  const start = String(q.start_date);
  const end = String(q.end_date);
  if (!isCalendarDate(start) || !isCalendarDate(end) || start > end) return; // orderFilter names the fault
  const [y, m, d] = start.split('-').map(Number) as [number, number, number];
  const months = m - 1 + ORDER_MAX_MONTHS;
  const lastDay = new Date(Date.UTC(y + Math.floor(months / 12), (months % 12) + 1, 0)).getUTCDate();
  const limit = `${String(y + Math.floor(months / 12)).padStart(4, '0')}-${String((months % 12) + 1).padStart(2, '0')}-${String(Math.min(d, lastDay)).padStart(2, '0')}`;
  if (end > limit) throw invalidParameter(`start_date and end_date must be at most ${ORDER_MAX_MONTHS} months apart: end_date ${end} is after ${limit}`);
}

/** Orders of the mall, oldest first (order_date, then order_id's sequence). */
export async function listOrders(store: Store, mall: Mall, q: Query): Promise<{ orders: Order[] }> {
  checkShopNo(mall, q.shop_no);
  return { orders: await store.shop.orders.list(mall.mallId, orderFilter(mall, q), pageOf(q)) };
}

export async function countOrders(store: Store, mall: Mall, q: Query) {
  checkShopNo(mall, q.shop_no);
  const filter = orderFilter(mall, q);
  checkOrderRange(q);
  return { count: await store.shop.orders.count(mall.mallId, filter) };
}

async function orderOf(store: Store, mall: Mall, orderId: string) {
  const o = await store.shop.orders.get(mall.mallId, orderId);
  if (!o) throw notFound(`order ${orderId}`);
  return o;
}

export async function getOrder(store: Store, mall: Mall, orderId: string, q: Query) {
  checkShopNo(mall, q.shop_no);
  return { order: orderWithEmbeds(await orderOf(store, mall, orderId), mall, q) };
}

/** `GET /orders/{order_id}/items`. */
export async function getOrderItems(store: Store, mall: Mall, orderId: string, q: Query) {
  checkShopNo(mall, q.shop_no);
  return { items: orderItemsView(await orderOf(store, mall, orderId)) };
}

/** `GET /orders/{order_id}/receivers`. */
export async function getOrderReceivers(store: Store, mall: Mall, orderId: string, q: Query) {
  checkShopNo(mall, q.shop_no);
  return { receivers: orderReceiversView(await orderOf(store, mall, orderId), mall) };
}

/** The Cafe24 views of listOrders (Cafe24's required date range), with `fields` and `embed`. */
export async function listOrderViews(store: Store, mall: Mall, q: Query) {
  checkOrderRange(q);
  const { orders } = await listOrders(store, mall, q);
  return { orders: orders.map((o) => orderWithEmbeds(o, mall, q)) };
}

/**
 * `PUT /orders/{order_id}`: the one write that changes an order's status (and its items'), with
 * its order.status_changed event in the same transaction (webhooks/outbox.ts); 409 when the order
 * already has it. The POD Shop orderCode rides along for POD Shop subscribers.
 */
export async function updateOrderStatus(deps: { store: Store; clock: Clock }, mall: Mall, orderId: string, body: { shop_no?: number; request: { order_status: OrderStatus } }) {
  checkShopNo(mall, body.shop_no);
  const status = body.request.order_status;
  return deps.store.transaction(async (tx) => {
    const current = await orderOf(tx, mall, orderId);
    if (current.orderStatus === status) throw new ApiError('conflict', `order ${orderId}: nothing to change, its order_status is already ${status}`);
    const changed = await tx.shop.orders.setStatus(mall.mallId, orderId, status);
    if (!changed) throw notFound(`order ${orderId}`);
    const ref = (await tx.podOrderCodes.byOrder(mall.mallId, [orderId])).get(orderId);
    await emit(tx, deps.clock, mall, 'order.status_changed', [
      { order_id: orderId, order_status: status, previous_order_status: changed.previous, order_code: ref?.orderCode ?? null },
    ]);
    return { order: fullOrderView(changed.order, mall) };
  });
}
