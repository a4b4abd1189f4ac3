/**
 * The Admin API's records and parameters (Cafe24's shapes, as shopauth serves them).
 */

/**
 * `GET /api/v2/admin/store`.
 *
 * @example
 * ```ts
 * const store: StoreInfo = await client.store.get();
 * ```
 */
export interface StoreInfo {
  shop_no: number;
  shop_name: string;
  mall_id: string;
  timezone: string;
  country_code: string;
  currency_code: string;
  language_code: string;
  [field: string]: unknown;
}

/**
 * `T` or `F`, Cafe24's booleans.
 *
 * @example
 * ```ts
 * const display: YesNo = 'T';
 * ```
 */
export type YesNo = 'T' | 'F';

/**
 * A product. Money is a decimal string (`"15000.00"`); times are ISO 8601 with the mall's offset.
 *
 * @example
 * ```ts
 * const p: Product = await client.products.get(12);
 * console.log(p.product_name, p.price);
 * ```
 */
export interface Product {
  shop_no: number;
  product_no: number;
  product_code: string;
  custom_product_code: string | null;
  product_name: string;
  eng_product_name: string | null;
  model_name: string | null;
  price: string;
  retail_price: string;
  supply_price: string;
  display: YesNo;
  selling: YesNo;
  summary_description: string | null;
  stock_quantity: number;
  created_date: string;
  updated_date: string;
}

/**
 * The fields of `POST /products` (product_name and price required) and `PUT /products/{n}`.
 *
 * @example
 * ```ts
 * await client.products.create({ product_name: 'Mug', price: '9000', display: 'T' });
 * ```
 */
export interface ProductInput {
  product_name?: string;
  price?: string | number;
  retail_price?: string | number;
  supply_price?: string | number;
  custom_product_code?: string | null;
  eng_product_name?: string | null;
  model_name?: string | null;
  display?: YesNo;
  selling?: YesNo;
  summary_description?: string | null;
  stock_quantity?: number;
}

/**
 * An order line.
 *
 * @example
 * ```ts
 * for (const item of order.items ?? []) console.log(item.product_name, item.quantity); // embed=items
 * ```
 */
export interface OrderItem {
  item_no: number;
  product_no: number;
  product_code: string;
  product_name: string;
  quantity: number;
  product_price: string;
  order_status: string;
}

/**
 * An order (`order_id` is `YYYYMMDD-NNNNNNN`).
 *
 * @example
 * ```ts
 * const order: Order = await client.orders.get('20260301-0000001');
 * ```
 */
export interface Order {
  shop_no: number;
  order_id: string;
  member_id: string | null;
  buyer_name: string;
  buyer_email: string | null;
  buyer_cellphone: string | null;
  order_date: string;
  order_status: string;
  paid: YesNo;
  canceled: YesNo;
  currency: string;
  payment_amount: string;
  actual_order_amount: { order_price_amount: string; shipping_fee: string; payment_amount: string };
  /** With `embed=items` (Cafe24: absent otherwise); always on `create`. */
  items?: OrderItem[];
  /** With `embed=receivers`. */
  receivers?: { shop_no: number; name: string; zipcode: string; address1: string; address2: string; phone: string; cellphone: string; country_code: string; shipping_message: string }[];
  /** With `embed=buyer`. */
  buyer?: { shop_no: number; member_id: string | null; name: string; email: string; cellphone: string };
}

/**
 * The fields of `POST /orders`.
 *
 * @example
 * ```ts
 * await client.orders.create({ buyer_name: 'Kim', receiver: { name: 'Kim', zipcode: '04524', address1: 'Seoul' },
 *   items: [{ product_no: 12, quantity: 1 }] });
 * ```
 */
export interface OrderInput {
  buyer_name: string;
  receiver: { name: string; zipcode: string; address1: string; address2?: string; cellphone?: string; country_code?: string };
  items: { product_no: number; quantity: number; product_price?: string | number }[];
  member_id?: string;
  buyer_email?: string;
  buyer_cellphone?: string;
  shipping_fee?: string | number;
}

/**
 * A customer (a member of the mall).
 *
 * @example
 * ```ts
 * const c: Customer = await client.customers.get('member01');
 * ```
 */
export interface Customer {
  shop_no: number;
  member_id: string;
  name: string;
  email: string | null;
  cellphone: string | null;
  gender: 'M' | 'F' | null;
  birthday: string | null;
  group_no: number;
  sms: YesNo;
  news_mail: YesNo;
  created_date: string;
}

/**
 * Query parameters of a list: `limit` (1-100), `offset` (0-8000), `fields`, and the resource's
 * filters (an array is sent comma-separated: OR).
 *
 * @example
 * ```ts
 * await client.products.list({ limit: 50, selling: 'T', product_no: [1, 2, 3] });
 * ```
 */
export type ListParams = Record<string, string | number | boolean | readonly (string | number)[] | undefined> & {
  limit?: number;
  offset?: number;
  fields?: string | readonly string[];
};
