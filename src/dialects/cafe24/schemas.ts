/**
 * JSON Schemas of the Admin API: the same objects validate requests (routes.ts, ajv)
 * and make the OpenAPI document (http/openapi.ts). A `title` is the short "must be ..." phrase a
 * 422 shows when a value has the wrong shape. Field names follow Cafe24's Admin API.
 */
import { ORDER_STATUSES } from '../../store/shop-types.js';

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
/** A list that is not paged (a few records at most): the list query without limit and offset. */
function unpaged(q: Schema): Schema {
  const { limit: _l, offset: _o, ...rest } = q.properties as Schema;
  return { ...q, properties: rest };
}

function listQuery(fields: readonly string[], filters: Record<string, Schema>, paged = true, max = { limit: MAX_LIMIT, offset: MAX_OFFSET }): Schema {
  const MAX_LIMIT = max.limit;
  const MAX_OFFSET = max.offset;
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
    category: {
      type: 'array',
      description: 'The categories the product is in.',
      items: { type: 'object', additionalProperties: false, properties: { category_no: { type: 'integer' }, recommend: yesNo('T: recommended in the category.'), new: yesNo('T: new in the category.') } },
    },
  },
};
export const PRODUCT_FIELDS = Object.keys(productSchema.properties as Schema);

// ---- options, variants, inventories -----------------------------------------------------------

const MONEY_SIGNED = '^-?\\d{1,10}(\\.\\d{1,2})?$';
export const inventorySchema: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    shop_no: { type: 'integer' },
    variant_code: { type: 'string' },
    use_inventory: yesNo('T: stock is tracked.'),
    important_inventory: { type: 'string', enum: ['A', 'B'], description: 'A normal, B important.' },
    inventory_control_type: { type: 'string', enum: ['A', 'B'], description: 'A: stock goes down when an order is placed, B: when it is paid.' },
    display_soldout: yesNo('T: show "sold out" at 0.'),
    quantity: { type: 'integer' },
    safety_inventory: { type: 'integer' },
  },
};
export const variantSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    shop_no: { type: 'integer' },
    variant_code: { type: 'string', description: 'The product code and 4 characters.', examples: ['P000000A0001'] },
    options: { type: 'array', items: { type: 'object', additionalProperties: false, properties: { name: { type: 'string' }, value: { type: 'string' } } } },
    custom_variant_code: { type: 'string' },
    display: yesNo('T: shown.'),
    selling: yesNo('T: on sale.'),
    additional_amount: { type: 'string', pattern: '^-?\\d+\\.\\d{2}$', description: "Added to the product's price." },
    inventories: { type: 'array', items: inventorySchema, description: 'With embed=inventories.' },
  },
};
export const VARIANT_FIELDS = Object.keys(variantSchema.properties as Schema).filter((f) => f !== 'inventories');
(productSchema.properties as Schema).variants = { type: 'array', items: variantSchema, description: 'With embed=variants (or inventories).' };

export const variantListQuery: Schema = unpaged(listQuery(VARIANT_FIELDS, { embed: embedParam(['inventories'], 'inventories: include each variant\'s inventory.') }));
export const VARIANT_CODE_PATTERN = '^P[0-9A-Z]{11}$';
export const variantParams: Schema = {
  type: 'object',
  required: ['product_no', 'variant_code'],
  properties: {
    product_no: { type: 'integer', minimum: 1, maximum: 999_999_999, description: 'Product number.' },
    variant_code: { type: 'string', pattern: VARIANT_CODE_PATTERN, title: 'a variant code like P000000A0001', description: 'Variant code.' },
  },
};
const inventoryWritable = {
  use_inventory: yesNo('T: track stock.'),
  important_inventory: { type: 'string', enum: ['A', 'B'] },
  inventory_control_type: { type: 'string', enum: ['A', 'B'] },
  display_soldout: yesNo('T: show "sold out" at 0.'),
  quantity: { type: 'integer', minimum: 0, maximum: 999_999_999 },
  safety_inventory: { type: 'integer', minimum: 0, maximum: 999_999_999 },
};
const variantWritable = {
  custom_variant_code: text(40, "The merchant's own code."),
  display: yesNo('T: shown.'),
  selling: yesNo('T: on sale.'),
  additional_amount: { type: ['string', 'number'], pattern: MONEY_SIGNED, minimum: -9_999_999_999.99, maximum: 9_999_999_999.99, title: 'a decimal amount such as "1000.00" or "-500"', description: "Added to the product's price (may be negative)." },
  ...inventoryWritable,
};
export const variantUpdateBody = writeBody({ type: 'object', additionalProperties: false, minProperties: 1, properties: variantWritable }, 'The fields to change; at least one must differ (409 otherwise).');
export const variantsUpdateBody = writeBody(
  { type: 'array', minItems: 1, maxItems: 100, items: { type: 'object', additionalProperties: false, required: ['variant_code'], minProperties: 2, properties: { variant_code: { type: 'string', pattern: VARIANT_CODE_PATTERN, title: 'a variant code like P000000A0001' }, ...variantWritable } } },
  'Several variants at once, all or none; at least one must change (409 otherwise).',
);
export const inventoryUpdateBody = writeBody({ type: 'object', additionalProperties: false, minProperties: 1, properties: inventoryWritable }, 'The inventory fields to change; at least one must differ (409 otherwise).');
export const optionsSchema: Schema = {
  type: 'object',
  properties: {
    shop_no: { type: 'integer' }, product_no: { type: 'integer' }, has_option: yesNo('T: the product has options.'), option_type: { type: 'string', description: 'T: combination (one variant per combination).' },
    options: { type: 'array', items: { type: 'object', properties: { option_name: { type: 'string' }, option_value: { type: 'array', items: { type: 'object', properties: { option_text: { type: 'string' } } } } } } },
  },
};
export const optionsCreateBody = writeBody(
  {
    type: 'object',
    additionalProperties: false,
    required: ['options'],
    properties: {
      options: {
        type: 'array', minItems: 1, maxItems: 3,
        items: {
          type: 'object', additionalProperties: false, required: ['option_name', 'option_value'],
          properties: {
            option_name: text(50, 'Option name, e.g. Color.', 1),
            option_value: { type: 'array', minItems: 1, maxItems: 100, items: { type: 'object', additionalProperties: false, required: ['option_text'], properties: { option_text: text(50, 'A value, e.g. Red.', 1) } } },
          },
        },
      },
    },
  },
  'The options; the variants are made anew, one per combination of values (at most 100).',
);

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
  add_category_no: {
    type: 'array',
    maxItems: 100,
    description: 'Categories to put the product in (each must exist).',
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['category_no'],
      properties: { category_no: { type: 'integer', minimum: 1, maximum: 999_999_999 }, recommend: yesNo('T: recommended (default F).'), new: yesNo('T: new (default F).') },
    },
  },
};
const productUpdatable = {
  ...productWritable,
  delete_category_no: { type: 'array', maxItems: 100, items: { type: 'integer', minimum: 1, maximum: 999_999_999 }, description: 'Categories to take the product out of.' },
};

const productFilters = {
  product_no: commaList('\\d{1,9}', 'comma-separated product numbers', 'Product numbers.'),
  product_code: commaList('P[0-9A-Z]{7}', 'comma-separated product codes like P000000A', 'Product codes.'),
  custom_product_code: commaList('[^,]{1,40}', 'comma-separated codes of 1 to 40 characters', "Merchant's codes."),
  product_name: commaList('[^,]{1,250}', 'comma-separated names of 1 to 250 characters', 'Parts of the product name (case-insensitive).'),
  display: yesNo('Only displayed (T) or hidden (F) products.'),
  selling: yesNo('Only products on sale (T) or not (F).'),
  category: commaList('\\d{1,9}', 'comma-separated category numbers', 'Products in any of these categories.'),
};

/** `embed=a,b` among `names`. */
function embedParam(names: readonly string[], description: string): Schema {
  return { type: 'string', pattern: `^(${names.join('|')})(,(${names.join('|')}))*$`, title: `comma-separated names among ${names.join(', ')}`, description };
}
export const productEmbed = embedParam(['variants', 'inventories'], 'Sub-resources to include: variants, and inventories inside each variant (implies variants).');
export const productListQuery = listQuery(PRODUCT_FIELDS, { ...productFilters, embed: productEmbed });
export const productCountQuery = listQuery(PRODUCT_FIELDS, productFilters, false);
export const productNoParams: Schema = {
  type: 'object',
  required: ['product_no'],
  properties: { product_no: { type: 'integer', minimum: 1, maximum: 999_999_999, description: 'Product number.' } },
};

export function writeBody(request: Schema, description: string): Schema {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['request'],
    description,
    properties: { shop_no: { type: 'integer', minimum: 1, default: 1, description: 'The shop of the mall; only 1 exists.' }, request },
  };
}

export const productCreateBody = writeBody(
  { type: 'object', additionalProperties: false, required: ['product_name', 'price'], properties: productWritable },
  'A new product: product_name and price are required.',
);
export const productUpdateBody = writeBody(
  { type: 'object', additionalProperties: false, minProperties: 1, properties: productUpdatable },
  'The fields to change; at least one.',
);

// ---- categories --------------------------------------------------------------------------------

const depthPath = (type: string): Schema => ({
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(['1', '2', '3', '4'].map((d) => [d, { type: [type, 'null'] }])),
});
export const categorySchema: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    shop_no: { type: 'integer' },
    category_no: { type: 'integer', description: 'Number of the category in this mall (the first is 24).' },
    category_depth: { type: 'integer', minimum: 1, maximum: 4 },
    parent_category_no: { type: 'integer', description: '1 (the root) for a top-level category.' },
    category_name: { type: 'string' },
    display_type: { type: 'string', enum: ['A', 'P', 'M'], description: 'A: PC and mobile, P: PC only, M: mobile only.' },
    full_category_name: { ...depthPath('string'), description: 'Names from the top, by depth.' },
    full_category_no: { ...depthPath('integer'), description: 'Numbers from the top, by depth.' },
    root_category_no: { type: 'integer', description: 'The top-level category above this one (itself at depth 1).' },
    use_main: yesNo('T: shown on the main page.'),
    use_display: yesNo('T: shown in the shop.'),
    display_order: { type: 'integer' },
  },
};
export const CATEGORY_FIELDS = Object.keys(categorySchema.properties as Schema);

const categoryFilters = {
  category_no: commaList('\\d{1,9}', 'comma-separated category numbers', 'Category numbers.'),
  category_depth: commaList('[1-4]', 'comma-separated depths 1 to 4', 'Depths.'),
  parent_category_no: commaList('\\d{1,9}', 'comma-separated category numbers', 'Children of these categories (1: top level).'),
  category_name: commaList('[^,]{1,50}', 'comma-separated names of 1 to 50 characters', 'Parts of the name (case-insensitive).'),
};
export const categoryListQuery = listQuery(CATEGORY_FIELDS, categoryFilters);
export const categoryCountQuery = listQuery(CATEGORY_FIELDS, categoryFilters, false);
export const categoryNoParams: Schema = {
  type: 'object',
  required: ['category_no'],
  properties: { category_no: { type: 'integer', minimum: 1, maximum: 999_999_999, description: 'Category number.' } },
};
const categoryWritable = {
  category_name: text(50, 'Name shown to customers.', 1),
  display_type: { type: 'string', enum: ['A', 'P', 'M'], description: 'A: PC and mobile (default), P: PC only, M: mobile only.' },
  use_display: yesNo('T: shown in the shop (default T).'),
  use_main: yesNo('T: shown on the main page (default F).'),
  display_order: { type: 'integer', minimum: 0, maximum: 99_999, description: 'Order among its siblings (default 0).' },
};
const categoryCreateRequest: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['category_name'],
  properties: { ...categoryWritable, parent_category_no: { type: 'integer', minimum: 1, maximum: 999_999_999, description: 'The parent (default 1, the root); at most 4 levels.' } },
};
export const categoryCreateBody = writeBody(
  { oneOf: [categoryCreateRequest, { type: 'array', minItems: 1, maxItems: 100, items: categoryCreateRequest }] },
  'A new category (category_name required), or a list of up to 100: 201 when all are made, else 207 with each result.',
);
export const categoryUpdateBody = writeBody(
  { type: 'object', additionalProperties: false, minProperties: 1, properties: categoryWritable },
  'The fields to change; at least one, and at least one must differ (409 otherwise).',
);

// ---- scripttags --------------------------------------------------------------------------------

/** Where a tag may be shown (Cafe24's display_location codes; `all` is every page). */
export const DISPLAY_LOCATIONS = [
  'all', 'MAIN', 'PRODUCT_LIST', 'PRODUCT_DETAIL', 'PRODUCT_SEARCH', 'ORDER_BASKET', 'ORDER_ORDERFORM', 'ORDER_ORDERRESULT',
  'MYSHOP_MAIN', 'MYSHOP_ORDERLIST', 'MEMBER_LOGIN', 'MEMBER_JOIN', 'BOARD_LIST', 'BOARD_READ',
] as const;

export const scripttagSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    shop_no: { type: 'integer' },
    script_no: { type: 'string', description: 'Number of the tag, as a string.', examples: ['1772334000000001'] },
    client_id: { type: 'string', description: 'The app that made the tag: only it sees the tag.' },
    src: { type: 'string' },
    display_location: { type: 'array', items: { type: 'string', enum: [...DISPLAY_LOCATIONS] } },
    exclude_path: { type: 'array', items: { type: 'string' } },
    skin_no: { type: 'array', items: { type: 'integer' }, description: 'Skins the tag is on; empty: every skin.' },
    integrity: { type: ['string', 'null'], description: 'Subresource Integrity of the script.' },
    created_date: dateTime('When the tag was created.'),
    updated_date: dateTime('When the tag last changed.'),
  },
};
export const SCRIPTTAG_FIELDS = Object.keys(scripttagSchema.properties as Schema);
const SCRIPT_NO_PATTERN = '^\\d{1,20}$';
const scripttagFilters = {
  script_no: commaList('\\d{1,20}', 'comma-separated script numbers', 'Script numbers.'),
  src: commaList('https://[^,]{1,2040}', 'comma-separated https URLs', 'Script URLs (exact).'),
  display_location: commaList(`(${DISPLAY_LOCATIONS.join('|')})`, `comma-separated locations among ${DISPLAY_LOCATIONS.join(', ')}`, 'Tags shown at any of these locations.'),
  skin_no: commaList('\\d{1,9}', 'comma-separated skin numbers', 'Tags on any of these skins.'),
};
/** Scripttag lists are not paged (an app has few tags): fields and filters only. */
export const scripttagListQuery = unpaged(listQuery(SCRIPTTAG_FIELDS, scripttagFilters));
export const scripttagCountQuery = listQuery(SCRIPTTAG_FIELDS, scripttagFilters, false);
export const scriptNoParams: Schema = {
  type: 'object',
  required: ['script_no'],
  properties: { script_no: { type: 'string', pattern: SCRIPT_NO_PATTERN, title: 'a script number', description: 'Script number.' } },
};
const scripttagWritable = {
  src: { type: 'string', maxLength: 2048, pattern: '^https://[^\\s"\'<>]+$', title: 'an https URL', description: 'The script: https only.' },
  display_location: { type: 'array', minItems: 1, maxItems: DISPLAY_LOCATIONS.length, uniqueItems: true, items: { type: 'string', enum: [...DISPLAY_LOCATIONS] }, description: 'Pages the tag is shown on.' },
  exclude_path: { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 255, pattern: '^/[^\\s"\'<>]*$', title: 'a path starting with /' }, description: 'Paths the tag is never shown on.' },
  skin_no: { type: 'array', maxItems: 100, uniqueItems: true, items: { type: 'integer', minimum: 1, maximum: 999_999_999 }, description: 'Skins the tag is on (default: every skin).' },
  integrity: { type: ['string', 'null'], maxLength: 200, pattern: '^(sha256|sha384|sha512)-[A-Za-z0-9+/]+={0,2}$', title: 'a Subresource Integrity value such as sha384-...', description: 'Subresource Integrity of the script.' },
};
export const scripttagCreateBody = writeBody(
  { type: 'object', additionalProperties: false, required: ['src', 'display_location'], properties: scripttagWritable },
  'A new tag: src (https) and display_location are required.',
);
export const scripttagUpdateBody = writeBody(
  { type: 'object', additionalProperties: false, minProperties: 1, properties: scripttagWritable },
  'The fields to change; at least one, and at least one must differ (409 otherwise).',
);

// ---- the app itself ----------------------------------------------------------------------------

export const appSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    client_id: { type: 'string' },
    app_name: { type: 'string' },
    version: { type: 'string', description: "The app's API version: what a call without X-Cafe24-Api-Version gets." },
    initial_version: { type: ['string', 'null'], description: 'The version the app was registered with (null: none, the current one).' },
    available_versions: { type: 'array', items: { type: 'string' }, description: 'Versions this server accepts, newest first.' },
    version_expiration_date: { type: ['string', 'null'], description: 'When the version stops being valid; null: not announced.' },
    scopes: { type: 'array', items: { type: 'string' }, description: 'The scopes of the calling token.' },
    created_date: dateTime('When the app was registered.'),
  },
};

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

export const receiverOut = {
  type: 'object',
  additionalProperties: false,
  properties: {
    shop_no: { type: 'integer' }, name: { type: 'string' }, zipcode: { type: 'string' }, address1: { type: 'string' }, address2: { type: 'string' },
    phone: { type: 'string' }, cellphone: { type: 'string' }, country_code: { type: 'string' }, shipping_message: { type: 'string' },
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
    receivers: { type: 'array', items: receiverOut, description: 'With embed=receivers.' },
    buyer: {
      type: 'object',
      additionalProperties: false,
      description: 'With embed=buyer.',
      properties: { shop_no: { type: 'integer' }, member_id: { type: ['string', 'null'] }, name: { type: 'string' }, email: { type: 'string' }, cellphone: { type: 'string' } },
    },
    items: {
      description: 'With embed=items.',
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
/** `fields` picks an order's own fields; embedded sub-resources are asked for with `embed`. */
export const ORDER_FIELDS = Object.keys(orderSchema.properties as Schema).filter((f) => !['items', 'receivers', 'buyer'].includes(f));
export const orderItemSchema: Schema = ((orderSchema.properties as Schema).items as Schema).items as Schema;
/** Orders: limit up to 1000 and offset up to 15000 (Cafe24's order list). */
export const ORDER_MAX = { limit: 1000, offset: 15_000 };

const dateParam = (description: string): Schema => ({ type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', title: 'a date YYYY-MM-DD', description });
const orderFilters = {
  order_id: commaList('\\d{8}-\\d{7,10}', 'comma-separated order ids like 20260301-0000001', 'Order ids.'),
  member_id: commaList('[A-Za-z0-9._@-]{1,20}', 'comma-separated member ids', 'Orders of these members.'),
  order_status: commaList(`(${ORDER_STATUSES.join('|')})`, `comma-separated statuses among ${ORDER_STATUSES.join(', ')}`, 'Order statuses.'),
  start_date: dateParam("First day of order_date, in the mall's time zone (inclusive); required."),
  end_date: dateParam("Last day of order_date, in the mall's time zone (inclusive); required, not before start_date and at most 3 months after it."),
};
const orderEmbed = { embed: embedParam(['items', 'receivers', 'buyer'], 'Sub-resources to include: items, receivers, buyer.') };
export const orderListQuery = { ...listQuery(ORDER_FIELDS, { ...orderFilters, ...orderEmbed }, true, ORDER_MAX), required: ['start_date', 'end_date'] };
export const orderCountQuery = { ...listQuery(ORDER_FIELDS, orderFilters, false), required: ['start_date', 'end_date'] };
export const orderGetQuery = listQuery(ORDER_FIELDS, orderEmbed);
export const orderStatusBody = writeBody(
  { type: 'object', additionalProperties: false, required: ['order_status'], properties: { order_status: { ...orderStatus } } },
  'The new status of the order and its items; 409 when it already has it.',
);
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
