import { cafe24Errors } from './errors.js';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest, FastifySchema, RouteShorthandOptions } from 'fastify';
import { getCustomer, listCustomers } from '../../api/customers.js';
import { ApiGuard, type ApiCall, type GuardOptions, type Guarded } from '../../api/guard.js';
import { countOrders, createOrders, fullOrderView, getOrder, getOrderItems, getOrderReceivers, listOrderViews, updateOrderStatus, type OrderRequest } from '../../api/orders.js';
import type { OrderStatus } from '../../store/shop-types.js';
import { countProducts, createProduct, deleteProduct, getProduct, listProducts, updateProduct, type ProductRequest } from '../../api/products.js';
import { checkShopNo, type Query } from '../../api/resources.js';
import * as S from './schemas.js';
import { storeResource } from '../../api/store-resource.js';
import { countCategories, createCategories, createCategory, deleteCategory, getCategory, listCategories, updateCategory, type CategoryRequest } from '../../api/categories.js';
import { countScripttags, createScripttag, deleteScripttag, getScripttag, listScripttags, updateScripttag, type ScripttagRequest } from '../../api/scripttags.js';
import { appResource } from '../../api/app-resource.js';
import { createOptions, getInventory, getOptions, getVariant, listVariants, updateInventory, updateVariant, updateVariants, type VariantRequest } from '../../api/variants.js';
import type { AppContext } from '../../app-context.js';
import { apiValidatorCompiler } from './validation.js';
import { storefrontRoutes } from '../../http/storefront-routes.js';
import { webhookApiRoutes } from './webhook-routes.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by guardRequest: who calls, the API version in force. */
    guarded?: Guarded;
    /** The call as the guard saw it (its usage meter, charged when the answer is sent). */
    apiCall?: ApiCall;
  }
}

/**
 * Runs the one API pipeline (api/guard.ts) for a Fastify request and puts its headers
 * (X-Api-Call-Limit, X-Cafe24-Api-Version) on the reply, errors included. Other dialects' routes
 * (POD Shop) call this too, with their own `resolve` and `versioned: false`.
 */
export async function guardRequest(guard: ApiGuard, req: FastifyRequest, reply: FastifyReply, options: GuardOptions): Promise<Guarded> {
  const version = req.headers['x-cafe24-api-version'];
  // A thrown OAuthError carries the same headers; the one error writer (http/errors.ts) sets them.
  const call: ApiCall = { mall: (req as { mall?: FastifyRequest['mall'] }).mall ?? null, authorization: req.headers.authorization, apiVersion: Array.isArray(version) ? version.join(',') : version, ip: req.ip };
  req.apiCall = call;
  const guarded = await guard.check(call, options);
  reply.headers(guarded.headers);
  req.guarded = guarded;
  return guarded;
}

const list = (item: Record<string, unknown>, key: string) => ({ type: 'object', properties: { [key]: { type: 'array', items: item } } });
const one = (item: Record<string, unknown>, key: string) => ({ type: 'object', properties: { [key]: item } });
const COUNT = { type: 'object', properties: { count: { type: 'integer' } } };
const ERRORS = Object.fromEntries(['400', '401', '403', '404', '422', '429'].map((code) => [code, S.apiErrorSchema]));

/** One Admin API route: its guard's scope, schemas (validation and /openapi.json) and service. */
export interface ApiRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  scope: string;
  summary: string;
  tag: string;
  querystring?: Record<string, unknown>;
  params?: Record<string, unknown>;
  body?: Record<string, unknown>;
  status?: 200 | 201;
  response: Record<string, unknown>;
  /** More answers than `status` (a 207 of a multiple create). */
  responses?: Record<string, Record<string, unknown>>;
  /** The body, or the body and its own status (a 207). */
  handler: (req: FastifyRequest) => Promise<unknown>;
}

/** A handler's answer with a status of its own (api/categories.ts createCategories). */
class WithStatus {
  constructor(readonly status: number, readonly body: unknown) {}
}

/**
 * The Cafe24-style Admin API (wire.md, Admin API): store, products, orders, customers.
 * Each route: guard (caller, bucket, scope, version) on request, then the schema's validation,
 * then the service in api/. The schemas also make /openapi.json.
 */
export function apiRoutes(ctx: AppContext, guard: ApiGuard): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.setValidatorCompiler(apiValidatorCompiler);
    // The mall's storefront preview with the apps' scripttags (an HTML page, not the Admin API).
    await app.register(storefrontRoutes(ctx.store));
    // wire.md, Usage headers: each answered call's processing time goes to the app's time usage.
    app.addHook('onResponse', async (req, reply) => {
      if (req.apiCall) await guard.finish(req.apiCall, reply.elapsedTime);
    });
    const deps = { store: ctx.store, clock: ctx.clock };
    const q = (req: FastifyRequest) => req.query as Query;
    const productNo = (req: FastifyRequest) => (req.params as { product_no: number }).product_no;

    const route = (r: ApiRoute) => {
      const status = r.status ?? 200;
      const options: RouteShorthandOptions = {
        config: { errors: cafe24Errors },
        schema: <FastifySchema>{
          summary: r.summary,
          tags: [r.tag],
          // Bearer tokens, or Basic API credentials of the mall (api/caller.ts): either with the scope.
          security: [{ bearer: [r.scope] }, { basic: [r.scope] }],
          ...(r.querystring ? { querystring: r.querystring } : {}),
          ...(r.params ? { params: r.params } : {}),
          ...(r.body ? { body: r.body } : {}),
          response: { [status]: r.response, ...r.responses, ...ERRORS },
        },
        onRequest: async (req, reply) => {
          await guardRequest(guard, req, reply, { scope: r.scope });
        },
      };
      app.route({
        ...options,
        method: r.method,
        url: `/api/v2/admin${r.url}`,
        handler: async (req, reply) => {
          const body = await r.handler(req);
          if (body instanceof WithStatus) return reply.code(body.status).send(body.body);
          return reply.code(status).send(body);
        },
      });
    };

    route({
      method: 'GET', url: '/store', scope: 'mall.read_store', tag: 'store', summary: 'The mall\'s store',
      querystring: S.storeQuery, response: one(S.storeSchema, 'store'),
      handler: async (req) => {
        checkShopNo(req.mall, q(req).shop_no);
        return storeResource(req.mall);
      },
    });

    // ---- products
    route({
      method: 'GET', url: '/products', scope: 'mall.read_product', tag: 'products', summary: 'List products',
      querystring: S.productListQuery, response: list(S.productSchema, 'products'),
      handler: (req) => listProducts(ctx.store, req.mall, q(req)),
    });
    route({
      method: 'GET', url: '/products/count', scope: 'mall.read_product', tag: 'products', summary: 'Count products',
      querystring: S.productCountQuery, response: COUNT,
      handler: (req) => countProducts(ctx.store, req.mall, q(req)),
    });
    route({
      method: 'GET', url: '/products/:product_no', scope: 'mall.read_product', tag: 'products', summary: 'Get a product',
      params: S.productNoParams, querystring: fieldsOnly(S.productListQuery), response: one(S.productSchema, 'product'),
      handler: (req) => getProduct(ctx.store, req.mall, productNo(req), q(req)),
    });
    route({
      method: 'POST', url: '/products', scope: 'mall.write_product', tag: 'products', summary: 'Create a product', status: 201,
      body: S.productCreateBody, response: one(S.productSchema, 'product'),
      handler: (req) => createProduct(deps, req.mall, req.body as { shop_no?: number; request: ProductRequest }),
    });
    route({
      method: 'PUT', url: '/products/:product_no', scope: 'mall.write_product', tag: 'products', summary: 'Update a product',
      params: S.productNoParams, body: S.productUpdateBody, response: one(S.productSchema, 'product'),
      handler: (req) => updateProduct(deps, req.mall, productNo(req), req.body as { shop_no?: number; request: ProductRequest }),
    });
    route({
      method: 'DELETE', url: '/products/:product_no', scope: 'mall.write_product', tag: 'products', summary: 'Delete a product',
      params: S.productNoParams, querystring: S.storeQuery, response: one({ type: 'object', properties: { product_no: { type: 'integer' } } }, 'product'),
      handler: (req) => deleteProduct(deps, req.mall, productNo(req), q(req)),
    });

    // ---- options, variants, inventories
    const variantKey = (req: FastifyRequest) => req.params as { product_no: number; variant_code: string };
    route({
      method: 'GET', url: '/products/:product_no/options', scope: 'mall.read_product', tag: 'products', summary: "A product's options",
      params: S.productNoParams, querystring: S.storeQuery, response: one(S.optionsSchema, 'options'),
      handler: (req) => getOptions(ctx.store, req.mall, productNo(req), q(req)),
    });
    route({
      method: 'POST', url: '/products/:product_no/options', scope: 'mall.write_product', tag: 'products', summary: 'Set the options; makes one variant per combination', status: 201,
      params: S.productNoParams, body: S.optionsCreateBody, response: one(S.optionsSchema, 'options'),
      handler: (req) => createOptions(deps, req.mall, productNo(req), req.body as Parameters<typeof createOptions>[3]),
    });
    route({
      method: 'GET', url: '/products/:product_no/variants', scope: 'mall.read_product', tag: 'products', summary: "A product's variants",
      params: S.productNoParams, querystring: S.variantListQuery, response: list(S.variantSchema, 'variants'),
      handler: (req) => listVariants(ctx.store, req.mall, productNo(req), q(req)),
    });
    route({
      method: 'PUT', url: '/products/:product_no/variants', scope: 'mall.write_product', tag: 'products', summary: 'Update several variants, all or none',
      params: S.productNoParams, body: S.variantsUpdateBody, response: list(S.variantSchema, 'variants'),
      handler: (req) => updateVariants(deps, req.mall, productNo(req), req.body as { shop_no?: number; request: (VariantRequest & { variant_code: string })[] }),
    });
    route({
      method: 'GET', url: '/products/:product_no/variants/:variant_code', scope: 'mall.read_product', tag: 'products', summary: 'Get a variant',
      params: S.variantParams, querystring: fieldsOnly(S.variantListQuery), response: one(S.variantSchema, 'variant'),
      handler: (req) => getVariant(ctx.store, req.mall, variantKey(req).product_no, variantKey(req).variant_code, q(req)),
    });
    route({
      method: 'PUT', url: '/products/:product_no/variants/:variant_code', scope: 'mall.write_product', tag: 'products', summary: 'Update a variant (409 when nothing changes)',
      params: S.variantParams, body: S.variantUpdateBody, response: one(S.variantSchema, 'variant'),
      handler: (req) => updateVariant(deps, req.mall, variantKey(req).product_no, variantKey(req).variant_code, req.body as { shop_no?: number; request: VariantRequest }),
    });
    route({
      method: 'GET', url: '/products/:product_no/variants/:variant_code/inventories', scope: 'mall.read_product', tag: 'products', summary: "A variant's inventory",
      params: S.variantParams, querystring: S.storeQuery, response: one(S.inventorySchema, 'inventory'),
      handler: (req) => getInventory(ctx.store, req.mall, variantKey(req).product_no, variantKey(req).variant_code, q(req)),
    });
    route({
      method: 'PUT', url: '/products/:product_no/variants/:variant_code/inventories', scope: 'mall.write_product', tag: 'products', summary: "Update a variant's inventory (409 when nothing changes)",
      params: S.variantParams, body: S.inventoryUpdateBody, response: one(S.inventorySchema, 'inventory'),
      handler: (req) => updateInventory(deps, req.mall, variantKey(req).product_no, variantKey(req).variant_code, req.body as { shop_no?: number; request: VariantRequest }),
    });

    // ---- orders
    const orderId = (req: FastifyRequest) => (req.params as { order_id: string }).order_id;
    route({
      method: 'GET', url: '/orders', scope: 'mall.read_order', tag: 'orders', summary: 'List orders (oldest first)',
      querystring: S.orderListQuery, response: list(S.orderSchema, 'orders'),
      handler: (req) => listOrderViews(ctx.store, req.mall, q(req)),
    });
    route({
      method: 'GET', url: '/orders/count', scope: 'mall.read_order', tag: 'orders', summary: 'Count orders',
      querystring: S.orderCountQuery, response: COUNT,
      handler: (req) => countOrders(ctx.store, req.mall, q(req)),
    });
    route({
      method: 'GET', url: '/orders/:order_id', scope: 'mall.read_order', tag: 'orders', summary: 'Get an order',
      params: S.orderIdParams, querystring: fieldsOnly(S.orderGetQuery), response: one(S.orderSchema, 'order'),
      handler: (req) => getOrder(ctx.store, req.mall, orderId(req), q(req)),
    });
    route({
      method: 'GET', url: '/orders/:order_id/items', scope: 'mall.read_order', tag: 'orders', summary: 'The items of an order',
      params: S.orderIdParams, querystring: S.storeQuery, response: list(S.orderItemSchema, 'items'),
      handler: (req) => getOrderItems(ctx.store, req.mall, orderId(req), q(req)),
    });
    route({
      method: 'GET', url: '/orders/:order_id/receivers', scope: 'mall.read_order', tag: 'orders', summary: 'The receivers of an order',
      params: S.orderIdParams, querystring: S.storeQuery, response: list(S.receiverOut, 'receivers'),
      handler: (req) => getOrderReceivers(ctx.store, req.mall, orderId(req), q(req)),
    });
    route({
      method: 'PUT', url: '/orders/:order_id', scope: 'mall.write_order', tag: 'orders', summary: "Change an order's status (409 when it already has it)",
      params: S.orderIdParams, body: S.orderStatusBody, response: one(S.orderSchema, 'order'),
      handler: (req) => updateOrderStatus(deps, req.mall, orderId(req), req.body as { shop_no?: number; request: { order_status: OrderStatus } }),
    });
    route({
      method: 'POST', url: '/orders', scope: 'mall.write_order', tag: 'orders', summary: 'Create an order', status: 201,
      body: S.orderCreateBody, response: one(S.orderSchema, 'order'),
      handler: async (req) => {
        const body = req.body as { shop_no?: number; request: OrderRequest };
        checkShopNo(req.mall, body.shop_no);
        const [order] = await createOrders(deps, req.mall, [body.request]);
        return { order: fullOrderView(order!, req.mall) };
      },
    });

    // ---- categories
    const categoryNo = (req: FastifyRequest) => (req.params as { category_no: number }).category_no;
    const caller = (req: FastifyRequest) => req.guarded!.caller;
    type Write<T> = { shop_no?: number; request: T };
    route({
      method: 'GET', url: '/categories', scope: 'mall.read_category', tag: 'categories', summary: 'List categories (by depth, parent, display order)',
      querystring: S.categoryListQuery, response: list(S.categorySchema, 'categories'),
      handler: (req) => listCategories(ctx.store, req.mall, q(req)),
    });
    route({
      method: 'GET', url: '/categories/count', scope: 'mall.read_category', tag: 'categories', summary: 'Count categories',
      querystring: S.categoryCountQuery, response: COUNT,
      handler: (req) => countCategories(ctx.store, req.mall, q(req)),
    });
    route({
      method: 'GET', url: '/categories/:category_no', scope: 'mall.read_category', tag: 'categories', summary: 'Get a category',
      params: S.categoryNoParams, querystring: fieldsOnly(S.categoryListQuery), response: one(S.categorySchema, 'category'),
      handler: (req) => getCategory(ctx.store, req.mall, categoryNo(req), q(req)),
    });
    route({
      method: 'POST', url: '/categories', scope: 'mall.write_category', tag: 'categories', summary: 'Create a category, or several (207 with each result when some fail)', status: 201,
      body: S.categoryCreateBody,
      // `required` tells the two apart when the answer is serialized.
      response: { oneOf: [{ ...one(S.categorySchema, 'category'), required: ['category'] }, { ...list(S.categorySchema, 'categories'), required: ['categories'] }] },
      responses: { 207: list({ oneOf: [{ ...S.apiErrorSchema, additionalProperties: false }, S.categorySchema] }, 'categories') },
      handler: async (req) => {
        const body = req.body as Write<CategoryRequest | CategoryRequest[]>;
        if (!Array.isArray(body.request)) return createCategory(deps, req.mall, body as Write<CategoryRequest>);
        const r = await createCategories(deps, req.mall, body as Write<CategoryRequest[]>);
        return new WithStatus(r.status, r.body);
      },
    });
    route({
      method: 'PUT', url: '/categories/:category_no', scope: 'mall.write_category', tag: 'categories', summary: 'Update a category (409 when nothing changes)',
      params: S.categoryNoParams, body: S.categoryUpdateBody, response: one(S.categorySchema, 'category'),
      handler: (req) => updateCategory(deps, req.mall, categoryNo(req), req.body as Write<CategoryRequest>),
    });
    route({
      method: 'DELETE', url: '/categories/:category_no', scope: 'mall.write_category', tag: 'categories', summary: 'Delete a category without sub-categories',
      params: S.categoryNoParams, querystring: S.storeQuery, response: one({ type: 'object', properties: { category_no: { type: 'integer' } } }, 'category'),
      handler: (req) => deleteCategory(ctx.store, req.mall, categoryNo(req), q(req)),
    });

    // ---- scripttags: only the calling app's own
    const scriptNo = (req: FastifyRequest) => (req.params as { script_no: string }).script_no;
    route({
      method: 'GET', url: '/scripttags', scope: 'mall.read_application', tag: 'scripttags', summary: "List the calling app's scripttags (oldest first)",
      querystring: S.scripttagListQuery, response: list(S.scripttagSchema, 'scripttags'),
      handler: (req) => listScripttags(ctx.store, req.mall, caller(req), q(req)),
    });
    route({
      method: 'GET', url: '/scripttags/count', scope: 'mall.read_application', tag: 'scripttags', summary: "Count the calling app's scripttags",
      querystring: S.scripttagCountQuery, response: COUNT,
      handler: (req) => countScripttags(ctx.store, req.mall, caller(req), q(req)),
    });
    route({
      method: 'GET', url: '/scripttags/:script_no', scope: 'mall.read_application', tag: 'scripttags', summary: 'Get a scripttag of the calling app',
      params: S.scriptNoParams, querystring: fieldsOnly(S.scripttagListQuery), response: one(S.scripttagSchema, 'scripttag'),
      handler: (req) => getScripttag(ctx.store, req.mall, caller(req), scriptNo(req), q(req)),
    });
    route({
      method: 'POST', url: '/scripttags', scope: 'mall.write_application', tag: 'scripttags', summary: 'Create a scripttag (src https only)', status: 201,
      body: S.scripttagCreateBody, response: one(S.scripttagSchema, 'scripttag'),
      handler: (req) => createScripttag(deps, req.mall, caller(req), req.body as Write<ScripttagRequest>),
    });
    route({
      method: 'PUT', url: '/scripttags/:script_no', scope: 'mall.write_application', tag: 'scripttags', summary: 'Update a scripttag of the calling app (409 when nothing changes)',
      params: S.scriptNoParams, body: S.scripttagUpdateBody, response: one(S.scripttagSchema, 'scripttag'),
      handler: (req) => updateScripttag(deps, req.mall, caller(req), scriptNo(req), req.body as Write<ScripttagRequest>),
    });
    route({
      method: 'DELETE', url: '/scripttags/:script_no', scope: 'mall.write_application', tag: 'scripttags', summary: 'Delete a scripttag of the calling app',
      params: S.scriptNoParams, querystring: S.storeQuery, response: one({ type: 'object', properties: { script_no: { type: 'string' } } }, 'scripttag'),
      handler: (req) => deleteScripttag(ctx.store, req.mall, caller(req), scriptNo(req), q(req)),
    });

    // ---- the app itself
    route({
      method: 'GET', url: '/apps', scope: 'mall.read_application', tag: 'apps', summary: "The calling app's record and API version",
      querystring: S.storeQuery, response: one(S.appSchema, 'app'),
      handler: async (req) => {
        checkShopNo(req.mall, q(req).shop_no);
        return appResource(ctx.store, guard, req.mall, caller(req));
      },
    });

    // ---- customers
    route({
      method: 'GET', url: '/customers', scope: 'mall.read_customer', tag: 'customers', summary: 'List customers',
      querystring: S.customerListQuery, response: list(S.customerSchema, 'customers'),
      handler: (req) => listCustomers(ctx.store, req.mall, q(req)),
    });
    route({
      method: 'GET', url: '/customers/:member_id', scope: 'mall.read_customer', tag: 'customers', summary: 'Get a customer',
      params: S.memberIdParams, querystring: fieldsOnly(S.customerListQuery), response: one(S.customerSchema, 'customer'),
      handler: (req) => getCustomer(ctx.store, req.mall, (req.params as { member_id: string }).member_id, q(req)),
    });

    // ---- webhooks (issue 12)
    webhookApiRoutes(ctx, route);
  };
}

/** The query of a single-record GET: shop_no, fields and embed (if the list has it) only. */
function fieldsOnly(listQuery: Record<string, unknown>): Record<string, unknown> {
  const props = listQuery.properties as Record<string, unknown>;
  return { ...listQuery, properties: { shop_no: props.shop_no, fields: props.fields, ...(props.embed ? { embed: props.embed } : {}) } };
}
