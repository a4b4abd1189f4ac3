import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError } from '../oauth/errors.js';
import type { Store } from '../store/types.js';
import type { SharedState } from '../shared-state/index.js';
import { sendError } from '../http/errors.js';
import { cafe24Errors } from '../dialects/cafe24/errors.js';
import type { Metrics } from './metrics.js';
import { clusterMetricsText, inCluster } from './cluster.js';
import { jsonAnswer, type OperationDoc } from '../http/openapi-doc.js';
import { apiErrorSchema } from '../dialects/cafe24/schemas.js';

// For /openapi.json only (http/openapi.ts): these bodies are written here, not serialized by a schema.
const NO_STORE_HEADER = { 'Cache-Control': { type: 'string', enum: ['no-store'] } };
const HEALTHZ: OperationDoc = {
  summary: 'Liveness: the process answers (docs/operations.md)',
  tags: ['meta'],
  response: { 200: jsonAnswer({ type: 'object', additionalProperties: false, required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } }, 'Alive.', NO_STORE_HEADER) },
};
const readiness = {
  type: 'object',
  additionalProperties: false,
  required: ['status', 'checks', 'store', 'shared_state'],
  properties: {
    status: { type: 'string', enum: ['ready', 'unavailable'] },
    checks: { type: 'object', additionalProperties: false, properties: { store: { type: 'string' }, shared_state: { type: 'string' } }, description: '"ok", or why not.' },
    store: { type: 'string', enum: ['sqlite', 'postgres'] },
    shared_state: { type: 'string', enum: ['memory', 'redis'] },
  },
};
const READYZ: OperationDoc = {
  summary: 'Readiness: the store and the shared state answer within the time limit (docs/operations.md)',
  tags: ['meta'],
  response: { 200: jsonAnswer(readiness, 'Ready.', NO_STORE_HEADER), 503: jsonAnswer(readiness, 'Not ready: the checks say why.', NO_STORE_HEADER) },
};
const METRICS: OperationDoc = {
  summary: 'Prometheus metrics: loopback callers, or Bearer with the metrics token (--metrics-token)',
  tags: ['meta'],
  response: {
    200: { description: 'The Prometheus text format.', content: { 'text/plain': { schema: { type: 'string' } } } },
    401: jsonAnswer(apiErrorSchema, 'A metrics token is set and not given (WWW-Authenticate: Bearer).'),
    403: jsonAnswer(apiErrorSchema, 'Not a loopback caller, and no metrics token is set.'),
  },
};

/** How long a readiness check may take before it counts as failed. */
const CHECK_MS = 2000;

export interface OpsRouteOptions {
  store: Store;
  shared: SharedState;
  metrics: Metrics;
  /** `--metrics-token`: scrapers send `Authorization: Bearer <token>`; null: loopback only. */
  metricsToken: string | null;
}

function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${CHECK_MS} ms`)), CHECK_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** A reason safe to show: the error's code or first line, never a URL (it may carry a password). */
function reasonOf(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message.split('\n')[0]!.replace(/\w+:\/\/\S+/g, '<url>').slice(0, 200) : String(error);
  return typeof e.code === 'string' && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}

const digest = (text: string) => createHash('sha256').update(text).digest();
const LOOPBACK = (ip: string) => (isIP(ip) === 4 ? ip.startsWith('127.') : ip === '::1' || ip.startsWith('::ffff:127.'));

/**
 * GET /healthz, /readyz and /metrics (docs/operations.md). /healthz says the process answers
 * (for a liveness probe: no dependency is consulted, so a database outage never restarts every
 * instance); /readyz asks the store and the shared state (for a load balancer: 503 with the
 * failing check while either is down); /metrics is the Prometheus text format.
 */
export function opsRoutes(options: OpsRouteOptions) {
  const { store, shared, metrics, metricsToken } = options;
  const tokenDigest = metricsToken === null ? null : digest(metricsToken);

  /** With a token: the bearer must match (constant time). Without: only a direct loopback peer. */
  const allowed = (req: FastifyRequest): 'ok' | 'unauthorized' | 'forbidden' => {
    if (tokenDigest !== null) {
      const m = /^Bearer ([\x21-\x7e]+)$/.exec(req.headers.authorization ?? '');
      return m && timingSafeEqual(digest(m[1]!), tokenDigest) ? 'ok' : 'unauthorized';
    }
    // The socket's peer, not X-Forwarded-For; and a request relayed by a proxy on this host is not local.
    const relayed = req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined;
    return LOOPBACK(req.socket.remoteAddress ?? '') && !relayed ? 'ok' : 'forbidden';
  };

  return async (app: FastifyInstance) => {
    const config = { errors: cafe24Errors };
    const doc = (openapi: OperationDoc) => ({ config: { ...config, openapi } });
    app.get('/healthz', doc(HEALTHZ), async (_req, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }));

    app.get('/readyz', doc(READYZ), async (_req, reply: FastifyReply) => {
      const checks: Record<string, string> = {};
      const [storeCheck, sharedCheck] = await Promise.allSettled([
        withTimeout(store.settings.get('shopauth:readyz'), 'the store'),
        withTimeout(shared.ping(), 'the shared state'),
      ]);
      checks.store = storeCheck.status === 'fulfilled' ? 'ok' : reasonOf(storeCheck.reason);
      checks.shared_state = sharedCheck.status === 'fulfilled' ? 'ok' : reasonOf(sharedCheck.reason);
      if (storeCheck.status === 'rejected') metrics.storeError('readyz');
      metrics.sharedStateUp(sharedCheck.status === 'fulfilled');
      const ready = storeCheck.status === 'fulfilled' && sharedCheck.status === 'fulfilled';
      return reply
        .code(ready ? 200 : 503)
        .header('cache-control', 'no-store')
        .send({ status: ready ? 'ready' : 'unavailable', checks: { store: checks.store, shared_state: checks.shared_state }, store: store.dialect, shared_state: shared.backend });
    });

    app.get('/metrics', doc(METRICS), async (req, reply) => {
      const verdict = allowed(req);
      if (verdict === 'unauthorized') {
        reply.header('www-authenticate', 'Bearer realm="shopauth-metrics"');
        return sendError(req, reply, new OAuthError('invalid_token', 'GET /metrics needs Authorization: Bearer with the metrics token', { status: 401 }), cafe24Errors);
      }
      if (verdict === 'forbidden') {
        return sendError(req, reply, new OAuthError('access_denied', 'GET /metrics answers loopback callers only unless a metrics token is set (--metrics-token)', { status: 403 }), cafe24Errors);
      }
      const text = inCluster() ? await clusterMetricsText() : await metrics.text();
      return reply.header('content-type', metrics.contentType).header('cache-control', 'no-store').send(text);
    });
  };
}
