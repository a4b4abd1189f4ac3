import client from 'prom-client';
import type { MetricsSink } from '../oauth/context.js';

/** Latency buckets in seconds: token calls take ms (hashing), page renders tens of ms. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Where a store error was seen (the label `source` of shopauth_store_errors_total). */
export type StoreErrorSource = 'request' | 'audit' | 'purge' | 'readyz';

/** One route, method and status: the children of the request metrics, looked up once. */
interface RequestSeries {
  count: client.Counter.Internal;
  latency: client.Histogram.Internal<string>;
  limited: client.Counter.Internal | undefined;
}

/**
 * The server's metrics (docs/operations.md lists each name and label), in a registry of its own
 * so two servers in one process (tests) never share counters. Protocol code sees only the
 * MetricsSink interface (oauth/context.ts); the HTTP layer calls `request` once per response.
 */
export class Metrics implements MetricsSink {
  readonly registry = new client.Registry();
  private readonly requests: client.Counter<string>;
  private readonly latency: client.Histogram<string>;
  private readonly limited: client.Counter<string>;
  private readonly issued: client.Counter<string>;
  private readonly reuse: client.Counter<string>;
  private readonly logins: client.Counter<string>;
  private readonly storeErrors: client.Counter<string>;
  private readonly sharedErrors: client.Counter<string>;
  private readonly sharedUp: client.Gauge<string>;
  private readonly dialect: 'sqlite' | 'postgres';
  /** Label children by "METHOD status route": a Map lookup per response instead of label hashing. */
  private readonly series = new Map<string, RequestSeries>();

  constructor(options: { storeDialect: 'sqlite' | 'postgres'; sharedBackend: 'memory' | 'redis'; defaultMetrics?: boolean }) {
    const registers = [this.registry];
    this.requests = new client.Counter({ name: 'shopauth_http_requests_total', help: 'HTTP responses by route pattern, method and status.', labelNames: ['route', 'method', 'status'], registers });
    this.latency = new client.Histogram({
      name: 'shopauth_http_request_duration_seconds',
      help: 'Time from request to response, by route pattern and method.',
      labelNames: ['route', 'method'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.limited = new client.Counter({ name: 'shopauth_rate_limited_total', help: 'Calls answered 429 (API bucket, token endpoint limits, login throttle), by route pattern.', labelNames: ['route'], registers });
    this.issued = new client.Counter({ name: 'shopauth_tokens_issued_total', help: 'Token pairs minted, by grant and wire dialect.', labelNames: ['grant', 'dialect'], registers });
    this.reuse = new client.Counter({ name: 'shopauth_refresh_reuse_detected_total', help: 'Rotated refresh tokens presented again (family revoked, RFC 9700 4.14.2).', registers });
    this.logins = new client.Counter({ name: 'shopauth_login_failures_total', help: 'Failed sign-ins (operator and developer pages), by reason.', labelNames: ['reason'], registers });
    this.storeErrors = new client.Counter({ name: 'shopauth_store_errors_total', help: 'Errors from the database, by where they were seen and the store dialect.', labelNames: ['source', 'dialect'], registers });
    this.sharedErrors = new client.Counter({ name: 'shopauth_shared_state_errors_total', help: 'Calls to the shared state (Redis) that failed; each refused its request with 503.', registers });
    this.sharedUp = new client.Gauge({
      name: 'shopauth_shared_state_up',
      help: '1 while the shared state answers (always 1 in memory), 0 while Redis is unreachable.',
      registers,
      aggregator: 'min',
    });
    this.sharedUp.set(1);
    this.dialect = options.storeDialect;
    for (const reason of ['wrong_credentials', 'throttled']) this.logins.labels(reason).inc(0);
    this.reuse.inc(0);
    for (const source of ['request', 'audit', 'purge', 'readyz']) this.storeErrors.labels(source, this.dialect).inc(0);
    this.sharedErrors.inc(0);
    new client.Gauge({ name: 'shopauth_info', help: 'Constant 1, labelled with the store dialect and the shared-state backend.', labelNames: ['store', 'shared_state'], registers, aggregator: 'max' })
      .labels(options.storeDialect, options.sharedBackend)
      .set(1);
    if (options.defaultMetrics !== false) client.collectDefaultMetrics({ register: this.registry });
  }

  /** The one per-response call (an onResponse hook): `route` is the route pattern, never the raw URL. */
  request(route: string, method: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let s = this.series.get(key);
    if (!s) {
      s = {
        count: this.requests.labels(route, method, String(status)),
        latency: this.latency.labels(route, method),
        limited: status === 429 ? this.limited.labels(route) : undefined,
      };
      this.series.set(key, s);
    }
    s.count.inc();
    s.latency.observe(seconds);
    s.limited?.inc();
  }

  tokenIssued(grant: string, dialect: 'cafe24' | 'pod'): void {
    this.issued.labels(grant, dialect).inc();
  }

  refreshReuseDetected(): void {
    this.reuse.inc();
  }

  loginFailed(reason: 'wrong_credentials' | 'throttled'): void {
    this.logins.labels(reason).inc();
  }

  storeError(source: StoreErrorSource): void {
    this.storeErrors.labels(source, this.dialect).inc();
  }

  /** The shared state failed a call (the request was refused with 503). */
  sharedStateError(): void {
    this.sharedErrors.inc();
    this.sharedUp.set(0);
  }

  /** The shared state answered again (readyz, or a call that went through). */
  sharedStateUp(up: boolean): void {
    this.sharedUp.set(up ? 1 : 0);
  }

  /** The text exposition format (what GET /metrics answers in a single process). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/**
 * Database errors as the drivers raise them: SQLite's codes (SQLITE_BUSY, SQLITE_IOERR, ...),
 * PostgreSQL's five-character SQLSTATE with a severity, or a lost connection to the server.
 */
export function isStoreError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; severity?: unknown; message?: unknown };
  if (typeof e.code === 'string' && e.code.startsWith('SQLITE_')) return true;
  if (typeof e.code === 'string' && typeof e.severity === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return true;
  return typeof e.message === 'string' && /Connection terminated|connect ECONNREFUSED .*:5432|the database connection is not open/.test(e.message);
}
