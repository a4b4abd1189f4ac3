import { ApiError } from '../errors.js';
import type { Mall } from '../store/types.js';
import type { Page } from '../store/shop-types.js';

/**
 * What list endpoints share (wire.md, Admin API lists): limit/offset (already range-checked by
 * the schema, defaults applied), `fields`, comma-separated OR filters, shop_no.
 */
export type Query = Record<string, string | number | undefined>;

export const invalidParameter = (message: string) => new ApiError('invalid_parameter', message);

export const pageOf = (q: Query): Page => ({ limit: Number(q.limit ?? 10), offset: Number(q.offset ?? 0) });

/** "a,b,a" -> ["a","b"]; undefined when the filter is absent. */
export const values = (v: string | number | undefined): string[] | undefined =>
  v === undefined ? undefined : [...new Set(String(v).split(','))];

export const numbers = (v: string | number | undefined): number[] | undefined => values(v)?.map(Number);

/** Only one shop exists per mall: shop_no, when sent, must be it. */
export function checkShopNo(mall: Mall, shopNo: unknown, name = 'shop_no'): void {
  if (shopNo !== undefined && shopNo !== mall.shopNo) throw invalidParameter(`${name} ${String(shopNo)} does not exist in this mall (only ${mall.shopNo})`);
}

/** `fields=a,b`: only those keys, in the record's order. */
export function pick<T extends Record<string, unknown>>(record: T, fields: string | number | undefined): Partial<T> {
  if (fields === undefined) return record;
  const wanted = new Set(String(fields).split(','));
  const out: Partial<T> = {};
  for (const key of Object.keys(record) as (keyof T & string)[]) if (wanted.has(key)) out[key] = record[key];
  return out;
}

export const notFound = (what: string) => new ApiError('not_found', `${what} does not exist`);
