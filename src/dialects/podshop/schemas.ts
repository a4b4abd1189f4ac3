/**
 * JSON Schemas of the POD Shop dialect (wire.md, POD Shop dialect; docs/podshop.md): the same
 * objects validate the orders API's requests (validation.ts) and make its part of
 * /openapi.json. A `title` is the "why" a 400 gives for a value of the wrong shape (`orders[0].
 * orderEntries[0].quantity: must be an integer from 1 to 9999`); on an array or object it is also
 * what a missing one is told. Unknown fields are allowed: POD Shop clients may send more than
 * shopauth reads.
 */
import { ORDER_STATUSES } from '../../store/shop-types.js';

type Schema = Record<string, unknown>;

const MAX_POD_ORDERS = 100;
const MAX_POD_ENTRIES = 100;
const STORE_CUSTOMER_ID_MAX = 64;
/** A price: at most 10 digits before the point and 2 after (a JSON number's decimals are checked in orders.ts). */
export const POD_PRICE_PATTERN = '^\\d{1,10}(\\.\\d{1,2})?$';

/** A required text: absent, null and "" are all "is required". */
const required = (maxLength: number, description: string): Schema => ({ type: 'string', minLength: 1, maxLength, description });
/** An optional text: absent, null and "" are all "none". */
const optional = (maxLength: number, description: string): Schema => ({ type: ['string', 'null'], maxLength, description });
/** 1..maximum (all nines), as a JSON integer or a string of its digits (ids often travel as strings). */
const count = (maximum: number, description: string): Schema => ({
  type: ['integer', 'string'],
  minimum: 1,
  maximum,
  pattern: `^[1-9]\\d{0,${String(maximum).length - 1}}$`,
  title: `must be an integer from 1 to ${maximum}`,
  description,
});

/** Printable: no C0/C1 control character and no unpaired UTF-16 surrogate (which no database can store as sent). */
const PRINTABLE = '^[^\\u0000-\\u001f\\u007f-\\u009f\\ud800-\\udfff]*$';

const podOrderIn: Schema = {
  type: 'object',
  required: ['orderCode', 'orderEntries', 'shippingAddress'],
  title: 'must be an object',
  properties: {
    orderCode: required(64, "The client's order id: unique in the mall, at most 64 characters."),
    storeCustomerId: {
      type: ['string', 'null'],
      maxLength: STORE_CUSTOMER_ID_MAX,
      pattern: PRINTABLE,
      title: 'must be a string of printable characters',
      description:
        "The client's own reference to its customer (opaque, at most 64 characters, no control characters), kept as sent. "
        + "If it is the member_id of one of the mall's customers, the order is that customer's; otherwise it is a guest order. Absent, null or \"\": none.",
    },
    orderEntries: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_POD_ENTRIES,
      title: 'must be a non-empty array',
      description: `1 to ${MAX_POD_ENTRIES} entries.`,
      items: {
        type: 'object',
        required: ['projectId', 'quantity'],
        title: 'must be an object',
        properties: {
          projectId: count(999_999_999, 'A product (product_no) of the mall.'),
          quantity: count(9999, 'Units.'),
          productSellPrice: {
            type: ['number', 'string', 'null'],
            minimum: 0,
            maximum: 9_999_999_999.99,
            pattern: POD_PRICE_PATTERN,
            title: 'must be a number from 0 with at most two decimals',
            description: "Unit price, at most two decimals (a number or a decimal string); default: the product's price.",
          },
        },
      },
    },
    shippingAddress: {
      type: 'object',
      required: ['recipient', 'postcode', 'address'],
      title: 'is required (an object)',
      properties: {
        recipient: required(100, 'Who receives the parcel (also the buyer name).'),
        postcode: required(14, 'Postal code.'),
        address: required(255, 'Address.'),
        addressDetail: optional(255, 'Address, detail.'),
        phoneNumber: optional(20, 'Mobile number of the recipient.'),
        nationCode: { type: ['string', 'null'], pattern: '^([A-Z]{2})?$', title: 'must be an ISO 3166-1 alpha-2 code such as KR', description: 'Country (default KR).' },
      },
    },
  },
};

/** `POST /ac/api/external/orders` (wire.md, POD Shop Orders): a batch, written whole or not at all. */
export const podOrdersBody: Schema = {
  type: 'object',
  required: ['orders'],
  title: 'the body must be a JSON object {"orders":[...]}',
  description: `1 to ${MAX_POD_ORDERS} orders, created in one transaction: the first invalid field is a 400 naming it and nothing is written.`,
  properties: {
    orders: { type: 'array', minItems: 1, maxItems: MAX_POD_ORDERS, title: 'must be a non-empty array', items: podOrderIn },
  },
};

/** `GET /ac/api/external/orders`: POD Shop pages from 0. */
export const podOrdersQuery: Schema = {
  type: 'object',
  properties: {
    pageNo: { type: 'integer', minimum: 0, maximum: 8000, default: 0, title: 'must be an integer from 0 to 8000', description: 'Page, from 0; pageNo × pageSize at most 8000.' },
    pageSize: { type: 'integer', minimum: 1, maximum: 100, default: 20, title: 'must be an integer from 1 to 100', description: 'Orders per page, 1 to 100 (default 20).' },
  },
};

const str = { type: 'string' };
/** An order as POD Shop clients read it (orders.ts podOrderView). */
const podOrderSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    orderCode: { type: ['string', 'null'], description: 'null for an order not created through this API.' },
    orderId: { type: 'string', description: 'The shop order id, YYYYMMDD-NNNNNNN.', examples: ['20260301-0000001'] },
    storeCustomerId: { type: ['string', 'null'], description: 'As sent; for other orders the member_id (null for a guest).' },
    orderStatus: { type: 'string', enum: [...ORDER_STATUSES] },
    orderedAt: { type: 'string', description: "In the mall's time zone with its offset (ISO 8601).", examples: ['2026-03-01T12:00:00+09:00'] },
    currency: { type: 'string', examples: ['KRW'] },
    paymentAmount: { type: 'number' },
    orderEntries: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: { projectId: { type: 'integer' }, productName: str, quantity: { type: 'integer' }, productSellPrice: { type: 'number' } },
      },
    },
    shippingAddress: {
      type: 'object',
      additionalProperties: false,
      properties: { recipient: str, postcode: str, address: str, addressDetail: str, phoneNumber: str, nationCode: str },
    },
  },
};
export const podOrdersCreated: Schema = { type: 'object', properties: { orders: { type: 'array', items: podOrderSchema } } };
export const podOrdersPage: Schema = { type: 'array', items: podOrderSchema, description: 'Oldest first; the total is in x-total-count.' };

/** POD Shop document 2.1 / 2.2 response. */
export const podTokenSchema: Schema = {
  type: 'object',
  required: ['access_token', 'token_type', 'expires_in', 'refresh_token', 'refresh_expires_in'],
  properties: {
    access_token: { type: 'string', description: 'An RFC 9068 JWT.' },
    token_type: { type: 'string', enum: ['bearer'] },
    expires_in: { type: 'integer', description: 'Seconds, strictly below 1 hour: 3599.' },
    refresh_token: { type: 'string', description: 'Opaque; rotated on every use.' },
    refresh_expires_in: { type: 'integer', description: 'Seconds, strictly below 14 days: 1209599.' },
  },
};

/** `{"status":401,"error":"..."}`: bad credentials, an unknown token (wire.md, Errors seen). */
export const podStatusErrorSchema: Schema = {
  type: 'object',
  required: ['status', 'error'],
  properties: { status: { type: 'integer' }, error: { type: 'string', examples: ['Unauthorized', 'this token does not exist', 'This token has expired'] } },
};
/** `{"errorKey","title","status","detail"}` (+ `field` on invalidParameter): everything else. */
export const podProblemSchema: Schema = {
  type: 'object',
  required: ['errorKey', 'title', 'status', 'detail'],
  properties: {
    errorKey: { type: 'string', examples: ['invalidParameter', 'tokenHasExpired', 'forbidden', 'notFound'] },
    title: str,
    status: { type: 'integer' },
    detail: str,
    field: { type: 'string', description: 'invalidParameter: the first invalid field, e.g. orders[0].orderEntries[1].projectId.' },
  },
};
/** A 401 takes either shape: `{"status","error"}`, or tokenHasExpired for an expired JWT. */
export const podUnauthorizedSchema: Schema = { anyOf: [podStatusErrorSchema, podProblemSchema] };
