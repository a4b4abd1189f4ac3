/**
 * The baselines: a bare node:http server, no framework, no store.
 * - json: `GET /store` answers a small JSON body (the shape of the Admin API store resource).
 * - form: `POST /token` reads and parses an urlencoded body and answers a JSON body of the size of
 *   a shopauth token response: the fair baseline for token endpoints (same request, same reply size).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { announce, modeArg, poolSize } from '../child.js';

const mode = modeArg(['json', 'form'] as const);

const store = {
  store: { shop_no: 1, shop_name: 'Bench Mall', mall_id: 'benchmall', timezone: 'Asia/Seoul', country_code: 'KR', currency_code: 'KRW', language_code: 'ko_KR' },
};

function json(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...extra });
  res.end(text);
}

const token = 'x'.repeat(43);
function tokenBody(params: URLSearchParams) {
  return {
    access_token: token,
    expires_at: '2026-03-01T14:00:00.000',
    refresh_token: params.get('refresh_token') ?? token,
    refresh_token_expires_at: '2026-03-15T12:00:00.000',
    client_id: 'AAAAAAAAAAAAAAAAAAAAAA',
    mall_id: 'benchmall',
    user_id: 'boss',
    scopes: ['mall.read_store', 'mall.read_product'],
    issued_at: '2026-03-01T12:00:00.000',
    shop_no: '1',
    token_type: 'Bearer',
    expires_in: 7200,
    scope: 'mall.read_store mall.read_product',
    refresh_token_expires_in: 1209600,
  };
}

const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  if (mode === 'json') return json(res, 200, store);
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    json(res, 200, tokenBody(params), { 'cache-control': 'no-store', pragma: 'no-cache' });
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  if (mode === 'json') {
    announce({ port, method: 'GET', path: '/store', headers: {}, note: 'node:http, constant JSON (~180 B)' }, close);
  } else {
    // The same request shape as the token targets: Basic credentials, a distinct form body per request.
    const bodies = Array.from({ length: Math.min(poolSize(), 20_000) }, () => `grant_type=refresh_token&refresh_token=${randomBytes(32).toString('base64url')}`);
    announce(
      {
        port,
        method: 'POST',
        path: '/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('AAAAAAAAAAAAAAAAAAAAAA:secretsecretsecretsecretsecret12').toString('base64')}` },
        bodies,
        cycle: true,
        note: 'node:http, parse urlencoded body, JSON token-sized reply (~520 B)',
      },
      close,
    );
  }
});
