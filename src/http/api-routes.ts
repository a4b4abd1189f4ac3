import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest, FastifySchema, RouteShorthandOptions } from 'fastify';
import { getCustomer, listCustomers } from '../api/customers.js';
import { ApiGuard, type GuardOptions, type Guarded } from '../api/guard.js';
import { countOrders, createOrders, getOrder, listOrderViews, orderView, setOrderStatus, type OrderRequest } from '../api/orders.js';
import type { OrderStatus } from '../store/shop-types.js';
import { countProducts, createProduct, deleteProduct, getProduct, listProducts, updateProduct, type ProductRequest } from '../api/products.js';
import { checkShopNo, type Query } from '../api/resources.js';
import * as S from '../api/schemas.js';
import { storeResource } from '../api/store-resource.js';
import type { OAuthContext } from '../oauth/context.js';
import { apiValidatorCompiler } from './api-validation.js';
import { webhookApiRoutes } from './webhook-api-routes.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by guardRequest: who calls, the API version in force. */
    guarded?: Guarded;
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
  const guarded = await guard.check(
    { mall: (req as { mall?: FastifyRequest['mall'] }).mall ?? null, authorization: req.headers.authorization, apiVersion: Array.isArray(version) ? version.join(',') : version, ip: req.ip },
    options,
  );
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
  handler: (req: FastifyRequest) => Promise<unknown>;
}

/**
 * The Cafe24-style Admin API (wire.md, Admin API): store, products, orders, customers.
 * Each route: guard (caller, bucket, scope, version) on request, then the schema's validation,
 * then the service in api/. The schemas also make /openapi.json.
 */
export function apiRoutes(ctx: OAuthContext, guard: ApiGuard): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.setValidatorCompiler(apiValidatorCompiler);
    const deps = { store: ctx.store, clock: ctx.clock };
    const q = (req: FastifyRequest) => req.query as Query;
    const productNo = (req: FastifyRequest) => (req.params as { product_no: number }).product_no;

    const route = (r: ApiRoute) => {
      const status = r.status ?? 200;
      const options: RouteShorthandOptions = {
        config: { dialect: 'api' },
        schema: <FastifySchema>{
          summary: r.summary,
          tags: [r.tag],
          // Bearer tokens, or Basic API credentials of the mall (api/caller.ts): either with the scope.
          security: [{ bearer: [r.scope] }, { basic: [r.scope] }],
          ...(r.querystring ? { querystring: r.querystring } : {}),
          ...(r.params ? { params: r.params } : {}),
          ...(r.body ? { body: r.body } : {}),
          response: { [status]: r.response, ...ERRORS },
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

    // ---- orders
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
      params: S.orderIdParams, querystring: fieldsOnly(S.orderListQuery), response: one(S.orderSchema, 'order'),
      handler: (req) => getOrder(ctx.store, req.mall, (req.params as { order_id: string }).order_id, q(req)),
    });
    route({
      method: 'POST', url: '/orders', scope: 'mall.write_order', tag: 'orders', summary: 'Create an order', status: 201,
      body: S.orderCreateBody, response: one(S.orderSchema, 'order'),
      handler: async (req) => {
        const body = req.body as { shop_no?: number; request: OrderRequest };
        checkShopNo(req.mall, body.shop_no);
        const [order] = await createOrders(deps, req.mall, [body.request]);
        return { order: orderView(order!, req.mall) };
      },
    });

    route({
      method: 'PUT', url: '/orders/:order_id', scope: 'mall.write_order', tag: 'orders', summary: 'Change an order\'s status',
      params: S.orderIdParams, body: S.orderStatusBody, response: one(S.orderSchema, 'order'),
      handler: (req) => setOrderStatus(deps, req.mall, (req.params as { order_id: string }).order_id, req.body as { shop_no?: number; request: { order_status: OrderStatus } }),
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

/** The query of a single-record GET: shop_no and fields only. */
function fieldsOnly(listQuery: Record<string, unknown>): Record<string, unknown> {
  const props = listQuery.properties as Record<string, unknown>;
  return { ...listQuery, properties: { shop_no: props.shop_no, fields: props.fields } };
}
