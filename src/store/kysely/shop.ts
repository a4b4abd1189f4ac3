import { sql, type ExpressionBuilder, type Kysely, type Selectable } from 'kysely';
import type { Database } from '../schema.js';
import type {
  Customer, CustomerFilter, CustomerInput, CustomerStore, Order, OrderFilter, OrderInput, OrderItem, OrderStatus, OrderStore, Page,
  Product, ProductFilter, ProductInput, ProductPatch, ProductStore, ShopStore,
} from '../shop-types.js';
import { atomic } from './rows.js';
import { Prepared } from './prepared.js';
import { contains, reserve, type ProductsTable, type CustomersTable, type OrdersTable, type OrderItemsTable, type ShopTables, type ShopDb } from './shop-db.js';
import { KyselyCategories } from './categories.js';
import { KyselyScripttags } from './scripttags.js';
import { KyselyUsageLimits } from './usage-limits.js';
import { KyselyVariants } from './variants.js';


/** Cafe24's product code: P + productNo in 7 upper-case base-36 digits (P000000A is 10). */
export const productCodeOf = (productNo: number): string => `P${productNo.toString(36).toUpperCase().padStart(7, '0')}`;

// Each IN list is bounded by the API (at most 100 values), so statements stay small.
const CHUNK = 500;
export const chunks = <T>(xs: T[]): T[][] => Array.from({ length: Math.ceil(xs.length / CHUNK) }, (_, i) => xs.slice(i * CHUNK, (i + 1) * CHUNK));


/** Case-insensitive substring match on `column`, any of `parts` (Cafe24: comma values are OR). */
const likeAny = (column: 'product_name' | 'name', parts: string[]) =>
  parts.map((n) => sql<boolean>`lower(${sql.ref(column)}) like ${contains(n.toLowerCase())} escape '\\'`);

const toProduct = (r: Selectable<ProductsTable>): Product => ({
  mallId: r.mall_id,
  productNo: r.product_no,
  productCode: r.product_code,
  customProductCode: r.custom_product_code,
  productName: r.product_name,
  engProductName: r.eng_product_name,
  modelName: r.model_name,
  price: Number(r.price),
  retailPrice: Number(r.retail_price),
  supplyPrice: Number(r.supply_price),
  display: r.display,
  selling: r.selling,
  summaryDescription: r.summary_description,
  stockQuantity: r.stock_quantity,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

const productColumns = (p: ProductPatch): Partial<ProductsTable> => {
  const out: Partial<ProductsTable> = {};
  if (p.customProductCode !== undefined) out.custom_product_code = p.customProductCode;
  if (p.productName !== undefined) out.product_name = p.productName;
  if (p.engProductName !== undefined) out.eng_product_name = p.engProductName;
  if (p.modelName !== undefined) out.model_name = p.modelName;
  if (p.price !== undefined) out.price = p.price;
  if (p.retailPrice !== undefined) out.retail_price = p.retailPrice;
  if (p.supplyPrice !== undefined) out.supply_price = p.supplyPrice;
  if (p.display !== undefined) out.display = p.display;
  if (p.selling !== undefined) out.selling = p.selling;
  if (p.summaryDescription !== undefined) out.summary_description = p.summaryDescription;
  if (p.stockQuantity !== undefined) out.stock_quantity = p.stockQuantity;
  return out;
};

const isEmpty = (filter: object): boolean => {
  for (const key in filter) if ((filter as Record<string, unknown>)[key] !== undefined) return false;
  return true;
};

// Every list call without a filter (the API's default page) runs this, compiled once (store/kysely/prepared.ts).
const productPage = new Prepared<{ mallId: string; limit: number; offset: number }, Selectable<ProductsTable>, Database & ShopTables>((db, p) =>
  db.selectFrom('products').selectAll().where('mall_id', '=', p.mallId).orderBy('product_no').limit(p.limit).offset(p.offset),
);

export class KyselyProducts implements ProductStore {
  constructor(private readonly db: ShopDb) {}

  create(mallId: string, inputs: ProductInput[], now: number): Promise<Product[]> {
    if (inputs.length === 0) return Promise.resolve([]);
    return atomic(this.db as unknown as Kysely<Database>, async (tx) => {
      const db = tx as unknown as ShopDb;
      const first = await reserve(db, mallId, 'product', inputs.length);
      const rows: ProductsTable[] = inputs.map((p, i) => ({
        ...(productColumns(p) as Omit<ProductsTable, 'mall_id' | 'product_no' | 'product_code' | 'created_at' | 'updated_at'>),
        mall_id: mallId,
        product_no: first + i,
        product_code: productCodeOf(first + i),
        created_at: now,
        updated_at: now,
      }));
      for (const part of chunks(rows)) await db.insertInto('products').values(part).execute();
      return rows.map(toProduct);
    });
  }

  async get(mallId: string, productNo: number): Promise<Product | undefined> {
    const r = await this.db.selectFrom('products').selectAll().where('mall_id', '=', mallId).where('product_no', '=', productNo).executeTakeFirst();
    return r && toProduct(r);
  }

  async getMany(mallId: string, productNos: number[]): Promise<Product[]> {
    if (productNos.length === 0) return [];
    const rows = await this.db.selectFrom('products').selectAll().where('mall_id', '=', mallId).where('product_no', 'in', [...new Set(productNos)]).execute();
    return rows.map(toProduct);
  }

  async update(mallId: string, productNo: number, patch: ProductPatch, now: number): Promise<Product | undefined> {
    const r = await this.db
      .updateTable('products')
      .set({ ...productColumns(patch), updated_at: now })
      .where('mall_id', '=', mallId)
      .where('product_no', '=', productNo)
      .returningAll()
      .executeTakeFirst();
    return r && toProduct(r);
  }

  async delete(mallId: string, productNo: number): Promise<boolean> {
    const r = await this.db.deleteFrom('products').where('mall_id', '=', mallId).where('product_no', '=', productNo).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  async list(mallId: string, filter: ProductFilter, page: Page): Promise<Product[]> {
    // The hot read (docs/performance.md): a page without filters, compiled once.
    if (isEmpty(filter)) return (await productPage.all(this.db, { mallId, limit: page.limit, offset: page.offset })).map(toProduct);
    const rows = await this.db
      .selectFrom('products')
      .selectAll()
      .where((eb) => productWhere(eb, mallId, filter))
      .orderBy('product_no')
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    return rows.map(toProduct);
  }

  async count(mallId: string, filter: ProductFilter): Promise<number> {
    const r = await this.db
      .selectFrom('products')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where((eb) => productWhere(eb, mallId, filter))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}

function productWhere(eb: ExpressionBuilder<ShopTables, 'products'>, mallId: string, f: ProductFilter) {
  const and = [eb('mall_id', '=', mallId)];
  if (f.productNo) and.push(eb('product_no', 'in', f.productNo));
  if (f.productCode) and.push(eb('product_code', 'in', f.productCode));
  if (f.customProductCode) and.push(eb('custom_product_code', 'in', f.customProductCode));
  if (f.productName) and.push(eb.or(likeAny('product_name', f.productName)));
  if (f.display) and.push(eb('display', '=', f.display));
  if (f.selling) and.push(eb('selling', '=', f.selling));
  if (f.categoryNo) {
    const linked = eb.selectFrom('product_categories').select('product_categories.product_no').where('product_categories.mall_id', '=', mallId).where('product_categories.category_no', 'in', f.categoryNo);
    and.push(eb('product_no', 'in', linked));
  }
  return eb.and(and);
}

const toCustomer = (r: Selectable<CustomersTable>): Customer => ({
  mallId: r.mall_id,
  memberId: r.member_id,
  name: r.name,
  email: r.email,
  cellphone: r.cellphone,
  gender: r.gender,
  birthday: r.birthday,
  groupNo: r.group_no,
  sms: r.sms,
  newsMail: r.news_mail,
  createdAt: Number(r.created_at),
});

export class KyselyCustomers implements CustomerStore {
  constructor(private readonly db: ShopDb) {}

  async create(mallId: string, inputs: CustomerInput[]): Promise<void> {
    if (inputs.length === 0) return;
    const rows: CustomersTable[] = inputs.map((c) => ({
      mall_id: mallId,
      member_id: c.memberId,
      name: c.name,
      email: c.email,
      cellphone: c.cellphone,
      gender: c.gender,
      birthday: c.birthday,
      group_no: c.groupNo,
      sms: c.sms,
      news_mail: c.newsMail,
      created_at: c.createdAt,
    }));
    await atomic(this.db as unknown as Kysely<Database>, async (tx) => {
      for (const part of chunks(rows)) await (tx as unknown as ShopDb).insertInto('customers').values(part).execute();
    });
  }

  async get(mallId: string, memberId: string): Promise<Customer | undefined> {
    const r = await this.db.selectFrom('customers').selectAll().where('mall_id', '=', mallId).where('member_id', '=', memberId).executeTakeFirst();
    return r && toCustomer(r);
  }

  async list(mallId: string, filter: CustomerFilter, page: Page): Promise<Customer[]> {
    const rows = await this.db
      .selectFrom('customers')
      .selectAll()
      .where((eb) => customerWhere(eb, mallId, filter))
      .orderBy('created_at')
      .orderBy('member_id')
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    return rows.map(toCustomer);
  }

  async count(mallId: string, filter: CustomerFilter): Promise<number> {
    const r = await this.db
      .selectFrom('customers')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where((eb) => customerWhere(eb, mallId, filter))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}

function customerWhere(eb: ExpressionBuilder<ShopTables, 'customers'>, mallId: string, f: CustomerFilter) {
  const and = [eb('mall_id', '=', mallId)];
  if (f.memberId) and.push(eb('member_id', 'in', f.memberId));
  if (f.email) and.push(eb('email', 'in', f.email));
  if (f.cellphone) and.push(eb('cellphone', 'in', f.cellphone));
  if (f.name) and.push(eb.or(likeAny('name', f.name)));
  return eb.and(and);
}

const toOrder = (r: Selectable<OrdersTable>, items: OrderItem[]): Order => ({
  mallId: r.mall_id,
  orderId: r.order_id,
  seq: Number(r.seq),
  memberId: r.member_id,
  buyerName: r.buyer_name,
  buyerEmail: r.buyer_email,
  buyerCellphone: r.buyer_cellphone,
  receiver: {
    name: r.receiver_name,
    zipcode: r.receiver_zipcode,
    address1: r.receiver_address1,
    address2: r.receiver_address2,
    cellphone: r.receiver_cellphone,
    countryCode: r.receiver_country_code,
  },
  orderStatus: r.order_status,
  paid: r.paid,
  currency: r.currency,
  orderPriceAmount: Number(r.order_price_amount),
  shippingFee: Number(r.shipping_fee),
  paymentAmount: Number(r.payment_amount),
  orderedAt: Number(r.ordered_at),
  items,
});

const toItem = (r: Selectable<OrderItemsTable>): OrderItem => ({
  itemNo: r.item_no,
  productNo: r.product_no,
  productCode: r.product_code,
  productName: r.product_name,
  quantity: r.quantity,
  productPrice: Number(r.product_price),
});

export class KyselyOrders implements OrderStore {
  constructor(private readonly db: ShopDb) {}

  create(mallId: string, inputs: OrderInput[], orderIdOf: (seq: number, orderedAt: number) => string): Promise<Order[]> {
    if (inputs.length === 0) return Promise.resolve([]);
    return atomic(this.db as unknown as Kysely<Database>, async (tx) => {
      const db = tx as unknown as ShopDb;
      const first = await reserve(db, mallId, 'order', inputs.length);
      const orders: OrdersTable[] = [];
      const items: OrderItemsTable[] = [];
      inputs.forEach((o, i) => {
        const seq = first + i;
        const orderId = orderIdOf(seq, o.orderedAt);
        orders.push({
          mall_id: mallId,
          order_id: orderId,
          seq,
          member_id: o.memberId,
          buyer_name: o.buyerName,
          buyer_email: o.buyerEmail,
          buyer_cellphone: o.buyerCellphone,
          receiver_name: o.receiver.name,
          receiver_zipcode: o.receiver.zipcode,
          receiver_address1: o.receiver.address1,
          receiver_address2: o.receiver.address2,
          receiver_cellphone: o.receiver.cellphone,
          receiver_country_code: o.receiver.countryCode,
          order_status: o.orderStatus,
          paid: o.paid,
          currency: o.currency,
          order_price_amount: o.orderPriceAmount,
          shipping_fee: o.shippingFee,
          payment_amount: o.paymentAmount,
          ordered_at: o.orderedAt,
        });
        o.items.forEach((it, j) => items.push({ mall_id: mallId, order_id: orderId, item_no: j + 1, product_no: it.productNo, product_code: it.productCode, product_name: it.productName, quantity: it.quantity, product_price: it.productPrice }));
      });
      for (const part of chunks(orders)) await db.insertInto('orders').values(part).execute();
      for (const part of chunks(items)) await db.insertInto('order_items').values(part).execute();
      const byOrder = groupItems(items.map((r) => ({ ...r, item: toItem(r) })));
      return orders.map((r) => toOrder(r, byOrder.get(r.order_id) ?? []));
    });
  }

  async get(mallId: string, orderId: string): Promise<Order | undefined> {
    const r = await this.db.selectFrom('orders').selectAll().where('mall_id', '=', mallId).where('order_id', '=', orderId).executeTakeFirst();
    if (!r) return undefined;
    return (await this.withItems(mallId, [r]))[0];
  }

  setStatus(mallId: string, orderId: string, status: OrderStatus): Promise<{ order: Order; previous: OrderStatus } | undefined> {
    return atomic(this.db as unknown as Kysely<Database>, async (tx) => {
      const db = tx as unknown as ShopDb;
      const before = await db.selectFrom('orders').select('order_status').where('mall_id', '=', mallId).where('order_id', '=', orderId).executeTakeFirst();
      if (!before) return undefined;
      await db.updateTable('orders').set({ order_status: status }).where('mall_id', '=', mallId).where('order_id', '=', orderId).execute();
      const order = await new KyselyOrders(db).get(mallId, orderId);
      return order && { order, previous: before.order_status };
    });
  }

  async list(mallId: string, filter: OrderFilter, page: Page): Promise<Order[]> {
    const rows = await this.db
      .selectFrom('orders')
      .selectAll()
      .where((eb) => orderWhere(eb, mallId, filter))
      .orderBy('ordered_at')
      .orderBy('seq')
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    return this.withItems(mallId, rows);
  }

  async count(mallId: string, filter: OrderFilter): Promise<number> {
    const r = await this.db
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where((eb) => orderWhere(eb, mallId, filter))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** One query for the items of a page of orders. */
  private async withItems(mallId: string, rows: Selectable<OrdersTable>[]): Promise<Order[]> {
    if (rows.length === 0) return [];
    const items = await this.db
      .selectFrom('order_items')
      .selectAll()
      .where('mall_id', '=', mallId)
      .where('order_id', 'in', rows.map((r) => r.order_id))
      .orderBy('order_id')
      .orderBy('item_no')
      .execute();
    const byOrder = groupItems(items.map((r) => ({ order_id: r.order_id, item: toItem(r) })));
    return rows.map((r) => toOrder(r, byOrder.get(r.order_id) ?? []));
  }
}

function groupItems(rows: { order_id: string; item: OrderItem }[]): Map<string, OrderItem[]> {
  const map = new Map<string, OrderItem[]>();
  for (const r of rows) {
    const list = map.get(r.order_id);
    if (list) list.push(r.item);
    else map.set(r.order_id, [r.item]);
  }
  return map;
}

function orderWhere(eb: ExpressionBuilder<ShopTables, 'orders'>, mallId: string, f: OrderFilter) {
  const and = [eb('mall_id', '=', mallId)];
  if (f.orderId) and.push(eb('order_id', 'in', f.orderId));
  if (f.memberId) and.push(eb('member_id', 'in', f.memberId));
  if (f.orderStatus) and.push(eb('order_status', 'in', f.orderStatus));
  if (f.from !== undefined) and.push(eb('ordered_at', '>=', f.from));
  if (f.until !== undefined) and.push(eb('ordered_at', '<', f.until));
  return eb.and(and);
}

/** The shop data of one store (or one transaction of it). */
export class KyselyShop implements ShopStore {
  readonly products: KyselyProducts;
  readonly customers: KyselyCustomers;
  readonly orders: KyselyOrders;
  readonly categories: KyselyCategories;
  readonly scripttags: KyselyScripttags;
  readonly usageLimits: KyselyUsageLimits;
  readonly variants: KyselyVariants;

  constructor(db: Kysely<Database>) {
    const shop = db.withTables<ShopTables>();
    this.products = new KyselyProducts(shop);
    this.customers = new KyselyCustomers(shop);
    this.orders = new KyselyOrders(shop);
    this.categories = new KyselyCategories(db);
    this.scripttags = new KyselyScripttags(db);
    this.usageLimits = new KyselyUsageLimits(db);
    this.variants = new KyselyVariants(db);
  }
}
