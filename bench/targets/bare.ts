/**
 * The baselines: a bare node:http server, no framework, no store.
 * - json: `GET /store` answers a small JSON body (the shape of the Admin API store resource).
 * - form: `POST /token` reads and parses an urlencoded body and answers a JSON body of the size of
 *   a shopauth token response: the fair baseline for token endpoints (same request, same reply size).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { announce, modeArg } from '../child.js';
import { formScenario, storeBody, tokenBody } from './payloads.js';

const mode = modeArg(['json', 'form'] as const);

function json(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...extra });
  res.end(text);
}

const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  if (mode === 'json') return json(res, 200, storeBody);
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
  if (mode === 'json') announce({ port, method: 'GET', path: '/store', headers: {}, note: 'node:http, constant JSON (~180 B)' }, close);
  else announce({ ...formScenario(port), note: 'node:http, parse urlencoded body, JSON token-sized reply (~520 B)' }, close);
});
