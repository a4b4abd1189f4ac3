import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { OrderStatus, YesNo } from '../shop-types.js';

/** Tables of migration 003-shop-data (money in integer hundredths, times in epoch ms). */
export interface ShopCountersTable { mall_id: string; name: string; value: number }
export interface ProductsTable {
  mall_id: string; product_no: number; product_code: string; custom_product_code: string; product_name: string;
  eng_product_name: string; model_name: string; price: number; retail_price: number; supply_price: number;
  display: YesNo; selling: YesNo; summary_description: string; stock_quantity: number; created_at: number; updated_at: number;
}
export interface CustomersTable {
  mall_id: string; member_id: string; name: string; email: string; cellphone: string; gender: 'M' | 'F' | null;
  birthday: string | null; group_no: number; sms: YesNo; news_mail: YesNo; created_at: number;
}
export interface OrdersTable {
  mall_id: string; order_id: string; seq: number; member_id: string | null; buyer_name: string; buyer_email: string;
  buyer_cellphone: string; receiver_name: string; receiver_zipcode: string; receiver_address1: string; receiver_address2: string;
  receiver_cellphone: string; receiver_country_code: string; order_status: OrderStatus; paid: YesNo; currency: string;
  order_price_amount: number; shipping_fee: number; payment_amount: number; ordered_at: number;
}
export interface OrderItemsTable {
  mall_id: string; order_id: string; item_no: number; product_no: number; product_code: string; product_name: string;
  quantity: number; product_price: number;
}
export interface ProductCategoriesTable { mall_id: string; product_no: number; category_no: number; recommend: YesNo; new: YesNo }
// A type alias, not an interface: withTables<T>() wants an index-compatible record.
export type ShopTables = {
  product_categories: ProductCategoriesTable;
  shop_counters: ShopCountersTable;
  products: ProductsTable;
  customers: CustomersTable;
  orders: OrdersTable;
  order_items: OrderItemsTable;
};
export type ShopDb = Kysely<Database & ShopTables>;

/** Reserves `n` numbers from the mall's counter `name` in one statement; returns the first. */
export async function reserve(db: ShopDb, mallId: string, name: string, n: number): Promise<number> {
  const row = await db
    .insertInto('shop_counters')
    .values({ mall_id: mallId, name, value: n })
    .onConflict((oc) => oc.columns(['mall_id', 'name']).doUpdateSet({ value: (eb) => eb('shop_counters.value', '+', n) }))
    .returning('value')
    .executeTakeFirstOrThrow();
  return Number(row.value) - n + 1;
}

/** LIKE pattern for a substring, with the wildcards of the input escaped. */
export const contains = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
