/**
 * JSON Schemas of the Admin API: the same objects validate requests (http/api-routes.ts, ajv)
 * and make the OpenAPI document (http/openapi.ts). A `title` is the short "must be ..." phrase a
 * 422 shows when a value has the wrong shape. Field names follow Cafe24's Admin API.
 */
import { ORDER_STATUSES } from '../store/shop-types.js';

type Schema = Record<string, unknown>;

export const MAX_LIMIT = 100;
export const MAX_OFFSET = 8000;
/** At most this many values in one comma-separated filter. */
export const MAX_VALUES = 100;

const yesNo = (description: string): Schema => ({ type: 'string', enum: ['T', 'F'], description });
const commaList = (item: string, title: string, description: string): Schema => ({
  type: 'string',
  pattern: `^${item}(,${item}){0,${MAX_VALUES - 1}}$`,
  title,
  description: `${description} Comma-separated values combine as OR (at most ${MAX_VALUES}).`,
});
const MONEY_PATTERN = '^\\d{1,10}(\\.\\d{1,2})?$';
/** A decimal amount: "15000.00" (or a JSON number); at most 10 digits before the point, 2 after. */
const moneyIn = (description: string): Schema => ({
  type: ['string', 'number'],
  pattern: MONEY_PATTERN,
  minimum: 0,
  maximum: 9_999_999_999.99,
  title: 'a decimal amount such as "15000.00"',
  description,
});
const moneyOut = (description: string): Schema => ({ type: 'string', pattern: '^-?\\d+\\.\\d{2}$', description, examples: ['15000.00'] });
const text = (maxLength: number, description: string, minLength = 0): Schema => ({ type: 'string', minLength, maxLength, description });
const dateTime = (description: string): Schema => ({ type: 'string', description: `${description} In the mall's time zone with its offset (ISO 8601).`, examples: ['2026-03-01T12:00:00+09:00'] });

export const MEMBER_ID_PATTERN = '^[A-Za-z0-9._@-]{1,20}$';
export const ORDER_ID_PATTERN = '^\\d{8}-\\d{7,10}$';

const shopNoQuery: Schema = { type: 'integer', minimum: 1, description: 'The shop of the mall; only 1 exists.' };

/** limit, offset, fields and the filters of one list endpoint. */
function listQuery(fields: readonly string[], filters: Record<string, Schema>, paged = true): Schema {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      shop_no: shopNoQuery,
      ...(paged
        ? {
            limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: 10, description: `Records per page, 1 to ${MAX_LIMIT}.` },
            offset: { type: 'integer', minimum: 0, maximum: MAX_OFFSET, default: 0, description: `Records to skip, 0 to ${MAX_OFFSET}.` },
            fields: {
              type: 'string',
              pattern: `^(${fields.join('|')})(,(${fields.join('|')}))*$`,
              title: `comma-separated field names among ${fields.join(', ')}`,
              description: 'Only these fields in each record.',
            },
          }
        : {}),
      ...filters,
    },
  };
}

// ---- products ----------------------------------------------------------------------------------

export const productSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    shop_no: { type: 'integer' },
    product_no: { type: 'integer', description: 'Number of the product in this mall.' },
    product_code: { type: 'string', description: 'System code: P and 7 characters.', examples: ['P000000A'] },
    custom_product_code: { type: 'string', description: "The merchant's own code." },
    product_name: { type: 'string' },
    eng_product_name: { type: 'string' },
    model_name: { type: 'string' },
    price: moneyOut('Selling price.'),
    retail_price: moneyOut('Suggested retail price.'),
    supply_price: moneyOut('Cost from the supplier.'),
    display: yesNo('T: shown in the shop.'),
    selling: yesNo('T: on sale.'),
    summary_description: { type: 'string' },
    stock_quantity: { type: 'integer' },
    created_date: dateTime('When the product was created.'),
    updated_date: dateTime('When the product last changed.'),
  },
};
export const PRODUCT_FIELDS = Object.keys(productSchema.properties as Schema);

const productWritable = {
  custom_product_code: text(40, "The merchant's own code."),
  product_name: text(250, 'Name shown to customers.', 1),
  eng_product_name: text(250, 'English name.'),
  model_name: text(100, 'Model name.'),
  price: moneyIn('Selling price.'),
  retail_price: moneyIn('Suggested retail price.'),
  supply_price: moneyIn('Cost from the supplier.'),
  display: yesNo('T: shown in the shop (default F).'),
  selling: yesNo('T: on sale (default F).'),
  summary_description: text(255, 'One-line summary.'),
  stock_quantity: { type: 'integer', minimum: 0, maximum: 999_999_999, description: 'Units in stock (default 0).' },
};

const productFilters = {
  product_no: commaList('\\d{1,9}', 'comma-separated product numbers', 'Product numbers.'),
  product_code: commaList('P[0-9A-Z]{7}', 'comma-separated product codes like P000000A', 'Product codes.'),
  custom_product_code: commaList('[^,]{1,40}', 'comma-separated codes of 1 to 40 characters', "Merchant's codes."),
  product_name: commaList('[^,]{1,250}', 'comma-separated names of 1 to 250 characters', 'Parts of the product name (case-insensitive).'),
  display: yesNo('Only displayed (T) or hidden (F) products.'),
  selling: yesNo('Only products on sale (T) or not (F).'),
};

export const productListQuery = listQuery(PRODUCT_FIELDS, productFilters);
export const productCountQuery = listQuery(PRODUCT_FIELDS, productFilters, false);
export const productNoParams: Schema = {
  type: 'object',
  required: ['product_no'],
  properties: { product_no: { type: 'integer', minimum: 1, maximum: 999_999_999, description: 'Product number.' } },
};

export const writeBody = (request: Schema, description: string): Schema => ({
  type: 'object',
  additionalProperties: false,
  required: ['request'],
  description,
  properties: { shop_no: { type: 'integer', minimum: 1, default: 1, description: 'The shop of the mall; only 1 exists.' }, request },
});

export const productCreateBody = writeBody(
  { type: 'object', additionalProperties: false, required: ['product_name', 'price'], properties: productWritable },
  'A new product: product_name and price are required.',
);
export const productUpdateBody = writeBody(
  { type: 'object', additionalProperties: false, minProperties: 1, properties: productWritable },
  'The fields to change; at least one.',
);

// ---- customers ---------------------------------------------------------------------------------

export const customerSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    shop_no: { type: 'integer' },
    member_id: { type: 'string' },
    name: { type: 'string' },
    email: { type: 'string' },
    cellphone: { type: 'string' },
    gender: { type: ['string', 'null'], enum: ['M', 'F', null] },
    birthday: { type: ['string', 'null'], description: 'YYYY-MM-DD.' },
    group_no: { type: 'integer', description: 'Customer tier.' },
    sms: yesNo('T: agreed to SMS.'),
    news_mail: yesNo('T: agreed to newsletters.'),
    created_date: dateTime('When the customer joined.'),
  },
};
export const CUSTOMER_FIELDS = Object.keys(customerSchema.properties as Schema);

export const customerListQuery = listQuery(CUSTOMER_FIELDS, {
  member_id: commaList('[A-Za-z0-9._@-]{1,20}', 'comma-separated member ids', 'Member ids.'),
  email: commaList('[^,]{1,255}', 'comma-separated e-mail addresses', 'E-mail addresses (exact).'),
  cellphone: commaList('[0-9+-]{1,20}', 'comma-separated phone numbers', 'Mobile numbers (exact, as stored: 010-1234-5678).'),
  name: commaList('[^,]{1,100}', 'comma-separated names', 'Parts of the name (case-insensitive).'),
});
export const memberIdParams: Schema = {
  type: 'object',
  required: ['member_id'],
  properties: { member_id: { type: 'string', pattern: MEMBER_ID_PATTERN, title: '1 to 20 letters, digits or ._@-', description: 'Member id.' } },
};

// ---- orders ------------------------------------------------------------------------------------

const orderStatus = { type: 'string', enum: [...ORDER_STATUSES], description: 'N00 awaiting payment, N10 preparing, N20 ready to ship, N22 on hold, N30 shipping, N40 delivered, C40 cancelled, R40 returned.' };

const receiverOut = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string' }, zipcode: { type: 'string' }, address1: { type: 'string' }, address2: { type: 'string' },
    cellphone: { type: 'string' }, country_code: { type: 'string' },
  },
};

export const orderSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    shop_no: { type: 'integer' },
    order_id: { type: 'string', description: 'YYYYMMDD-NNNNNNN.', examples: ['20260301-0000001'] },
    member_id: { type: ['string', 'null'], description: 'null for a guest order.' },
    buyer_name: { type: 'string' },
    buyer_email: { type: 'string' },
    buyer_cellphone: { type: 'string' },
    order_date: dateTime('When the order was placed.'),
    order_status: orderStatus,
    paid: yesNo('T: paid.'),
    canceled: yesNo('T: cancelled.'),
    currency: { type: 'string', examples: ['KRW'] },
    payment_amount: moneyOut('What the buyer pays: items plus shipping.'),
    actual_order_amount: {
      type: 'object',
      additionalProperties: false,
      properties: { order_price_amount: moneyOut('Sum of the items.'), shipping_fee: moneyOut('Shipping fee.'), payment_amount: moneyOut('Total.') },
    },
    receiver: receiverOut,
    items: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          item_no: { type: 'integer' }, product_no: { type: 'integer' }, product_code: { type: 'string' }, product_name: { type: 'string' },
          quantity: { type: 'integer' }, product_price: moneyOut('Unit price.'), order_status: orderStatus,
        },
      },
    },
  },
};
export const ORDER_FIELDS = Object.keys(orderSchema.properties as Schema);

const dateParam = (description: string): Schema => ({ type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', title: 'a date YYYY-MM-DD', description });
const orderFilters = {
  order_id: commaList('\\d{8}-\\d{7,10}', 'comma-separated order ids like 20260301-0000001', 'Order ids.'),
  member_id: commaList('[A-Za-z0-9._@-]{1,20}', 'comma-separated member ids', 'Orders of these members.'),
  order_status: commaList(`(${ORDER_STATUSES.join('|')})`, `comma-separated statuses among ${ORDER_STATUSES.join(', ')}`, 'Order statuses.'),
  start_date: dateParam("First day of order_date, in the mall's time zone (inclusive)."),
  end_date: dateParam("Last day of order_date, in the mall's time zone (inclusive); not before start_date."),
};
export const orderListQuery = listQuery(ORDER_FIELDS, orderFilters);
export const orderCountQuery = listQuery(ORDER_FIELDS, orderFilters, false);
export const orderIdParams: Schema = {
  type: 'object',
  required: ['order_id'],
  properties: { order_id: { type: 'string', pattern: ORDER_ID_PATTERN, title: 'an order id like 20260301-0000001', description: 'Order id.' } },
};

export const orderRequestSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['buyer_name', 'receiver', 'items'],
  properties: {
    member_id: { type: ['string', 'null'], pattern: MEMBER_ID_PATTERN, title: 'an existing member id', description: 'The ordering member; absent or null for a guest.' },
    buyer_name: text(100, 'Who orders.', 1),
    buyer_email: text(255, 'E-mail of the buyer.'),
    buyer_cellphone: text(20, 'Mobile number of the buyer.'),
    receiver: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'zipcode', 'address1'],
      properties: {
        name: text(100, 'Who receives the parcel.', 1),
        zipcode: text(14, 'Postal code.', 1),
        address1: text(255, 'Address.', 1),
        address2: text(255, 'Address, detail.'),
        cellphone: text(20, 'Mobile number of the receiver.'),
        country_code: { type: 'string', pattern: '^[A-Z]{2}$', title: 'an ISO 3166-1 alpha-2 code such as KR', default: 'KR', description: 'Country (default KR).' },
      },
    },
    items: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['product_no', 'quantity'],
        properties: {
          product_no: { type: 'integer', minimum: 1, maximum: 999_999_999, description: 'A product of this mall.' },
          quantity: { type: 'integer', minimum: 1, maximum: 9999 },
          product_price: moneyIn("Unit price; default: the product's price."),
        },
      },
    },
    shipping_fee: moneyIn('Shipping fee (default 0).'),
    order_status: { ...orderStatus, default: 'N00' },
    paid: yesNo('T: already paid (default F).'),
  },
};
export const orderCreateBody = writeBody(orderRequestSchema, 'A new order: buyer, receiver and at least one item.');

/** PUT /orders/{order_id}: the new status (issue 12: order.status_changed, POD Shop webHookType). */
export const orderStatusBody = writeBody(
  { type: 'object', additionalProperties: false, required: ['order_status'], properties: { order_status: orderStatus } },
  'The order\'s new status.',
);

// ---- store -------------------------------------------------------------------------------------

export const storeSchema: Schema = {
  type: 'object',
  properties: {
    shop_no: { type: 'integer' }, shop_name: { type: 'string' }, mall_id: { type: 'string' }, timezone: { type: 'string' },
    country_code: { type: 'string' }, currency_code: { type: 'string' }, language_code: { type: 'string' },
  },
};
export const storeQuery = listQuery([], {}, false);

/** The Cafe24 error body (wire.md, Admin API errors). */
export const apiErrorSchema: Schema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'integer' }, message: { type: 'string' }, more_info: { type: 'object' }, trace_id: { type: 'string' } },
    },
  },
};
