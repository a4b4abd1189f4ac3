import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { runCli } from '../support/cli.js';
import { serve } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'shopauth-config-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('configuration: flags > environment > file > defaults (docs/operations.md)', () => {
  test('each layer wins over the next', () => {
    const cfg = file('layers.json', JSON.stringify({ port: 7000, host: '0.0.0.0', 'rate-limit': '10/1', workers: 2, 'log-level': 'warn' }));
    const c = loadConfig({ config: cfg, port: '9000' }, { SHOPAUTH_HOST: '127.0.0.2', SHOPAUTH_PORT: '8000' });
    expect(c.port).toBe(9000); // flag over env over file
    expect(c.host).toBe('127.0.0.2'); // env over file
    expect(c.rateLimit).toEqual({ size: 10, perSecond: 1 }); // file over default
    expect(c.workers).toBe(2);
    expect(c.logLevel).toBe('warn');
    expect(c.shutdownTimeoutMs).toBe(10_000); // default
    expect(c.auditRetentionDays).toBe(365); // default
    expect(c.metricsToken).toBeNull();
  });

  test('SHOPAUTH_CONFIG names the file when --config is not given', () => {
    const cfg = file('env.json', JSON.stringify({ 'shutdown-timeout': 2.5 }));
    expect(loadConfig({}, { SHOPAUTH_CONFIG: cfg }).shutdownTimeoutMs).toBe(2500);
  });

  test('DATABASE_URL and REDIS_URL are read; the SHOPAUTH_ names win', () => {
    const common = { DATABASE_URL: 'postgres://root@db.example/shop', REDIS_URL: 'redis://cache.example:6379' };
    expect(loadConfig({}, common)).toMatchObject({ db: 'postgres://root@db.example/shop', redisUrl: 'redis://cache.example:6379' });
    expect(loadConfig({}, { ...common, SHOPAUTH_DB: './own.db', SHOPAUTH_REDIS_URL: 'redis://own:6379' })).toMatchObject({ db: './own.db', redisUrl: 'redis://own:6379' });
    expect(loadConfig({ db: './flag.db', redis: 'redis://flag:1' }, common)).toMatchObject({ db: './flag.db', redisUrl: 'redis://flag:1' });
  });

  test('workers: a number or auto (one per CPU, at least 1)', () => {
    expect(loadConfig({ workers: '4' }, {}).workers).toBe(4);
    expect(loadConfig({ workers: 'auto' }, {}).workers).toBeGreaterThanOrEqual(1);
    expect(loadConfig({}, {}).workers).toBe(1);
  });

  test('every bad value is its own line of one ConfigError', () => {
    let error: unknown;
    try {
      loadConfig({ port: 'x', workers: '0' }, { SHOPAUTH_LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'port: must be an integer from 0 to 65535, not "x" (from --port)',
      'workers: must be a number of processes from 1 to 64, or auto (one per CPU), not "0" (from --workers)',
      'log-level: must be one of fatal, error, warn, info, debug, trace, silent, not "loud" (from SHOPAUTH_LOG_LEVEL)',
    ]);
  });
});

describe('shopauth serve refuses a bad setting: one line naming it and what is allowed, exit 2', () => {
  const db = join(dir, 'never-created.db');
  const cases: [string, string[], NodeJS.ProcessEnv, string][] = [
    ['port', ['--port', '70000'], {}, 'shopauth: port: must be an integer from 0 to 65535, not "70000" (from --port)'],
    ['port from the environment', [], { SHOPAUTH_PORT: 'eighty' }, 'shopauth: port: must be an integer from 0 to 65535, not "eighty" (from SHOPAUTH_PORT)'],
    ['workers', ['--workers', 'many'], {}, 'shopauth: workers: must be a number of processes from 1 to 64, or auto (one per CPU), not "many" (from --workers)'],
    ['shutdown timeout', ['--shutdown-timeout', '0'], {}, 'shopauth: shutdown-timeout: must be seconds, more than 0 and at most 600, not "0" (from --shutdown-timeout)'],
    ['audit retention', [], { SHOPAUTH_AUDIT_RETENTION_DAYS: '-1' }, 'shopauth: audit-retention-days: must be a whole number of days from 0 (keep forever) to 36500, not "-1" (from SHOPAUTH_AUDIT_RETENTION_DAYS)'],
    ['metrics token (never echoed)', ['--metrics-token', 'short'], {}, 'shopauth: metrics-token: must be 16 to 256 printable characters without spaces (openssl rand -hex 32) (from --metrics-token)'],
    ['redis URL (never echoed)', [], { REDIS_URL: 'http://user:pw@cache:6379' }, 'shopauth: redis: must be a redis:// or rediss:// URL (from REDIS_URL)'],
    ['database URL (never echoed)', [], { DATABASE_URL: 'mysql://root:pw@db/shop' }, 'shopauth: db: must be a SQLite file path or a postgres:// URL (from DATABASE_URL)'],
    ['rate limit', ['--rate-limit', 'fast'], {}, 'shopauth: rate-limit: rate limit must look like 40/2 (size/drain per second) or off, not "fast" (from --rate-limit)'],
    ['token rate limit', [], { SHOPAUTH_TOKEN_RATE_LIMIT: '0/2' }, 'shopauth: token-rate-limit: rate limit must look like 40/2 (size/drain per second) or off, not "0/2" (from SHOPAUTH_TOKEN_RATE_LIMIT)'],
    ['trust proxy', ['--trust-proxy', 'true'], {}, 'shopauth: trust-proxy: trust proxy "true" would trust every hop (the client writes X-Forwarded-For); give a hop count like 1, or the proxies\' addresses like 10.0.0.0/8, not "true" (from --trust-proxy)'],
    ['public URL', ['--public-url', 'https://auth.example.com/path'], {}, 'shopauth: public-url: must be scheme and host only, like https://auth.example.com, not "https://auth.example.com/path" (from --public-url)'],
    ['log level', ['--log-level', 'chatty'], {}, 'shopauth: log-level: must be one of fatal, error, warn, info, debug, trace, silent, not "chatty" (from --log-level)'],
    ['refresh grace', [], { SHOPAUTH_REFRESH_GRACE_SECONDS: '301' }, 'shopauth: refresh-grace-seconds: refresh grace must be 0 to 300 seconds, not "301" (from SHOPAUTH_REFRESH_GRACE_SECONDS)'],
    ['api versions', ['--api-versions', '2025-13-01'], {}, 'shopauth: api-versions: API version must be YYYY-MM-DD, not "2025-13-01" (from --api-versions)'],
  ];
  test.each(cases)('%s', async (_name, args, env, line) => {
    // The database comes from the environment here, so that DATABASE_URL can be the bad value.
    const r = await runCli(['serve', ...args], { SHOPAUTH_DB: '', DATABASE_URL: db, SHOPAUTH_REDIS_URL: '', REDIS_URL: '', ...env });
    expect({ code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({ code: 2, stderr: `${line}\n`, stdout: '' });
  }, 30_000);

  test('a config file: unknown keys, bad JSON and bad values each get their line; all are reported at once', async () => {
    const cfg = file('bad.json', JSON.stringify({ prot: 8080, port: -1, workers: 'auto', redis: 'redis://127.0.0.1:1' }));
    const r = await runCli(['serve', '--db', db, '--config', cfg, '--log-level', 'nope'], { SHOPAUTH_PORT: '', SHOPAUTH_LOG_LEVEL: '' });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')).toEqual([
      `shopauth: config: ${cfg} has an unknown setting "prot"; known: db, host, port, public-url, mall-domain, secret, secret-file, trust-proxy, refresh-grace-seconds, rate-limit, token-rate-limit, redis, api-versions, log-level, workers, shutdown-timeout, metrics-token, audit-retention-days`,
      `shopauth: port: must be an integer from 0 to 65535, not "-1" (from ${cfg})`,
      'shopauth: log-level: must be one of fatal, error, warn, info, debug, trace, silent, not "nope" (from --log-level)',
      '',
    ]);
    const notJson = await runCli(['serve', '--db', db, '--config', file('broken.json', '{"port": 80,')]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/^shopauth: config: cannot read .*broken\.json: .+ \(a JSON object of settings, e\.g\. \{"port": 8080\}\)\n$/);
    const missing = await runCli(['serve', '--db', db, '--config', join(dir, 'absent.json')]);
    expect({ code: missing.code, stderr: missing.stderr }).toEqual({ code: 2, stderr: `shopauth: config: cannot read ${join(dir, 'absent.json')}: ENOENT (a JSON object of settings, e.g. {"port": 8080})\n` });
  }, 60_000);
});

describe('the common names reach a running server', () => {
  test('DATABASE_URL and REDIS_URL alone: /readyz shows a SQLite store and Redis shared state', async () => {
    const db = join(dir, 'common-names.db');
    const s = await serve([], { SHOPAUTH_DB: '', SHOPAUTH_REDIS_URL: '', DATABASE_URL: db, REDIS_URL: process.env.SHOPAUTH_TEST_REDIS ?? 'redis://127.0.0.1:6379' });
    try {
      const res = await fetch(`${s.url}/readyz`);
      expect({ status: res.status, body: await res.json() }).toEqual({
        status: 200,
        body: { status: 'ready', checks: { store: 'ok', shared_state: 'ok' }, store: 'sqlite', shared_state: 'redis' },
      });
    } finally {
      expect(await s.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    }
  }, 60_000);
});
