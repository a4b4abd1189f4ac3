import type { Mall } from '../store/types.js';

/** `GET /api/v2/admin/store` (scope mall.read_store): the mall's store, Cafe24-shaped. */
export function storeResource(mall: Mall): { store: Record<string, unknown> } {
  return {
    store: {
      shop_no: mall.shopNo,
      shop_name: mall.name,
      mall_id: mall.mallId,
      timezone: mall.timezone,
      country_code: 'KR',
      currency_code: 'KRW',
      language_code: 'ko_KR',
    },
  };
}
