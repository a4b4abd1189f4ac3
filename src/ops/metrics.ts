import client from 'prom-client';
import type { MetricsSink } from '../app-context.js';
import type { WebhookMetrics } from '../webhooks/worker.js';

/** Latency buckets in seconds: token calls take ms (hashing), page renders tens of ms. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Where a store error was seen (the label `source` of shopauth_store_errors_total). */
export type StoreErrorSource = 'request' | 'audit' | 'purge' | 'readyz' | 'metrics';

/** Latency of one route and method: counts per bucket (not cumulative; the last is +Inf), sum. */
interface LatencySeries {
  labels: { route: string; method: string };
  buckets: number[];
  sum: number;
  count: number;
}

/** One route, method and status: plain numbers, bumped per response. */
interface RequestSeries {
  labels: { route: string; method: string; status: string };
  count: number;
  latency: LatencySeries;
}

type CounterValues = Awaited<ReturnType<client.Counter['get']>>['values'];
type HistogramValues = Awaited<ReturnType<client.Histogram['get']>>['values'];

/**
 * The request metrics count in plain numbers (a Map lookup and a few additions per response:
 * prom-client's own inc/observe hash the labels on every call, about 1.5 µs); prom-client reads
 * them when scraped, through get(). The name, help, type and aggregator are prom-client's.
 */
class ViewCounter extends client.Counter<string> {
  constructor(
    config: client.CounterConfiguration<string>,
    private readonly view: () => CounterValues | Promise<CounterValues>,
  ) {
    super(config);
  }

  override async get(): Promise<Awaited<ReturnType<client.Counter['get']>>> {
    return { ...(await super.get()), values: await this.view() };
  }
}

/**
 * prom-client's Histogram has get() read getForPromString() (the registry's text output calls the
 * latter directly), so the view is given there, in its shape: labels, and sharedLabels (none).
 */
class ViewHistogram extends client.Histogram<string> {
  constructor(
    private readonly config: client.HistogramConfiguration<string>,
    private readonly view: () => HistogramValues | Promise<HistogramValues>,
  ) {
    super(config);
  }

  async getForPromString(): Promise<{ name: string; help: string; type: string; values: unknown[]; aggregator: string }> {
    return { name: this.config.name, help: this.config.help, type: 'histogram', values: (await this.view()).map((v) => ({ ...v, sharedLabels: {} })), aggregator: 'sum' };
  }
}

let processRegistry: client.Registry | undefined;

/**
 * Node's default metrics (CPU, memory, heap, event-loop lag, GC), collected once per process:
 * each collection starts an event-loop monitor and a GC observer, and a test process starts
 * hundreds of servers.
 */
function processMetrics(): client.Registry {
  if (!processRegistry) {
    processRegistry = new client.Registry();
    client.collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * The server's metrics (docs/operations.md lists each name and label), in a registry of its own
 * so two servers in one process (tests) never share counters. Protocol code sees only the
 * MetricsSink interface (app-context.ts); the HTTP layer calls `request` once per response.
 */
export class Metrics implements MetricsSink {
  readonly registry = new client.Registry();
  /** What /metrics shows: this server's registry, and the process's default metrics. */
  readonly registries: client.Registry[] = [this.registry];
  private readonly issued: client.Counter<string>;
  private readonly reuse: client.Counter<string>;
  private readonly logins: client.Counter<string>;
  private readonly storeErrors: client.Counter<string>;
  private readonly sharedErrors: client.Counter<string>;
  private readonly sharedUp: client.Gauge<string>;
  private readonly dialect: 'sqlite' | 'postgres';
  /** By route, then method and status (no string is built per response), and the latency by "METHOD route". */
  private readonly byRoute = new Map<string, Map<number, RequestSeries>>();
  private readonly series: RequestSeries[] = [];
  private readonly latencies = new Map<string, LatencySeries>();
  /** 429s by route. */
  private readonly limitedBy = new Map<string, number>();

  constructor(options: { storeDialect: 'sqlite' | 'postgres'; sharedBackend: 'memory' | 'redis'; defaultMetrics?: boolean }) {
    const registers = [this.registry];
    new ViewCounter({ name: 'shopauth_http_requests_total', help: 'HTTP responses by route pattern, method and status.', labelNames: ['route', 'method', 'status'], registers }, () =>
      this.series.map((x) => ({ labels: x.labels, value: x.count })),
    );
    const latencyName = 'shopauth_http_request_duration_seconds';
    new ViewHistogram(
      { name: latencyName, help: 'Time from request to response, by route pattern and method.', labelNames: ['route', 'method'], buckets: LATENCY_BUCKETS, registers },
      () =>
        [...this.latencies.values()].flatMap((l) => {
          let cumulative = 0;
          const buckets = l.buckets.map((n, i) => {
            cumulative += n;
            return { metricName: `${latencyName}_bucket`, labels: { ...l.labels, le: i < LATENCY_BUCKETS.length ? LATENCY_BUCKETS[i]! : '+Inf' }, value: cumulative };
          });
          return [...buckets, { metricName: `${latencyName}_sum`, labels: l.labels, value: l.sum }, { metricName: `${latencyName}_count`, labels: l.labels, value: l.count }];
        }),
    );
    new ViewCounter({ name: 'shopauth_rate_limited_total', help: 'Calls answered 429 (API bucket, token endpoint limits, login throttle), by route pattern.', labelNames: ['route'], registers }, () =>
      [...this.limitedBy].map(([route, value]) => ({ labels: { route }, value })),
    );
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
    for (const source of ['request', 'audit', 'purge', 'readyz', 'metrics']) this.storeErrors.labels(source, this.dialect).inc(0);
    this.sharedErrors.inc(0);
    new client.Gauge({ name: 'shopauth_info', help: 'Constant 1, labelled with the store dialect and the shared-state backend.', labelNames: ['store', 'shared_state'], registers, aggregator: 'max' })
      .labels(options.storeDialect, options.sharedBackend)
      .set(1);
    if (options.defaultMetrics !== false) this.registries.push(processMetrics());
  }

  /** The one per-response call (an onResponse hook): `route` is the route pattern, never the raw URL. */
  request(route: string, method: string, status: number, seconds: number): void {
    let statuses = this.byRoute.get(route);
    if (!statuses) this.byRoute.set(route, (statuses = new Map()));
    // One number for method and status: the method's index among the few HTTP has, times 1000.
    const m = methodIndex(method);
    const key = m * 1000 + status;
    let s = statuses.get(key);
    if (!s) {
      // Methods no route knows (any token is a valid HTTP method) share one label: bounded series.
      method = METHODS[m] ?? 'OTHER';
      const latencyKey = `${method} ${route}`;
      let latency = this.latencies.get(latencyKey);
      if (!latency) this.latencies.set(latencyKey, (latency = { labels: { route, method }, buckets: new Array<number>(LATENCY_BUCKETS.length + 1).fill(0), sum: 0, count: 0 }));
      s = { labels: { route, method, status: String(status) }, count: 0, latency };
      statuses.set(key, s);
      this.series.push(s);
    }
    s.count++;
    const l = s.latency;
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[i]!) i++;
    l.buckets[i]!++;
    l.sum += seconds;
    l.count++;
    if (status === 429) this.limitedBy.set(route, (this.limitedBy.get(route) ?? 0) + 1);
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

  /**
   * Webhook delivery (issue 12), read from the worker at scrape time: this process's attempts,
   * finished deliveries and attempt latency; the queue from the database (every instance's, so
   * aggregated by max across workers, not summed).
   */
  watchWebhooks(readNow: () => Promise<WebhookMetrics>): void {
    const registers = [this.registry];
    // One read (one count query) serves the four metrics of a scrape; a store that fails leaves
    // them out of this scrape (and counts a store error) rather than failing /metrics.
    let last: { at: number; value: Promise<WebhookMetrics | undefined> } | undefined;
    const read = () => {
      if (!last || performance.now() - last.at > 1000) {
        last = {
          at: performance.now(),
          value: readNow().catch(() => {
            this.storeError('metrics');
            return undefined;
          }),
        };
      }
      return last.value;
    };
    new ViewCounter({ name: 'shopauth_webhook_attempts_total', help: 'Webhook delivery attempts by outcome.', labelNames: ['outcome'], registers }, async () =>
      Object.entries((await read())?.attempts ?? {}).map(([outcome, value]) => ({ labels: { outcome }, value })),
    );
    new ViewCounter({ name: 'shopauth_webhook_deliveries_total', help: 'Webhook deliveries finished, by final status.', labelNames: ['status'], registers }, async () =>
      Object.entries((await read())?.finished ?? {}).map(([status, value]) => ({ labels: { status }, value })),
    );
    const name = 'shopauth_webhook_attempt_duration_seconds';
    new ViewHistogram({ name, help: 'Time of one webhook delivery attempt.', labelNames: [], buckets: [], registers }, async () => {
      const l = (await read())?.latency;
      if (!l) return [];
      return [
        ...l.buckets.map((b) => ({ metricName: `${name}_bucket`, labels: { le: b.le / 1000 }, value: b.count })),
        { metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: l.count },
        { metricName: `${name}_sum`, labels: {}, value: l.sumMs / 1000 },
        { metricName: `${name}_count`, labels: {}, value: l.count },
      ];
    });
    new client.Gauge({
      name: 'shopauth_webhook_queue',
      help: 'Webhook deliveries in the database by status; due: pending ones whose next attempt time has come (the queue depth).',
      labelNames: ['status'],
      registers,
      aggregator: 'max',
      async collect() {
        for (const [status, value] of Object.entries((await read())?.queue ?? {})) this.labels(status).set(value);
      },
    });
  }

  /** The text exposition format (what GET /metrics answers in a single process). */
  text(): Promise<string> {
    return this.registries.length === 1 ? this.registry.metrics() : client.Registry.merge(this.registries).metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];
const methodIndex = (method: string) => {
  const i = METHODS.indexOf(method);
  return i === -1 ? METHODS.length : i;
};

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
