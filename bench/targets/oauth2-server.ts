/**
 * The second peer: @node-oauth/oauth2-server 5 (the maintained fork of oauth2-server), behind
 * plain node:http, with an in-memory model: `POST /token` grant_type=client_credentials,
 * client_secret_basic. The library authenticates the client (the model compares the secret),
 * mints an opaque access token and hands it to `saveToken`, which keeps it in a Map: nothing durable.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import OAuth2Server from '@node-oauth/oauth2-server';
import { announce, fail } from '../child.js';

const CLIENT_ID = 'bench-client';
const CLIENT_SECRET = randomBytes(24).toString('base64url');
const client = { id: CLIENT_ID, grants: ['client_credentials'], accessTokenLifetime: 7200 };
const user = { id: 'boss' };
const tokens = new Map<string, unknown>();
const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

const oauth = new OAuth2Server({
  model: {
    getClient: async (id: string, secret: string) => (id === CLIENT_ID && same(secret, CLIENT_SECRET) ? client : false),
    getUserFromClient: async () => user,
    validateScope: async (_user: unknown, _client: unknown, scope?: string[]) => scope ?? ['mall.read_store'],
    saveToken: async (token: OAuth2Server.Token) => {
      if (tokens.size > 1_000_000) tokens.clear(); // bounded memory over a long run
      const saved = { ...token, client, user };
      tokens.set(token.accessToken, saved);
      return saved;
    },
    getAccessToken: async (accessToken: string) => (tokens.get(accessToken) as OAuth2Server.Token | undefined) ?? false,
  },
});

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    const request = new OAuth2Server.Request({ method: req.method ?? 'POST', headers: req.headers as Record<string, string>, query: {}, body });
    const response = new OAuth2Server.Response({ headers: {} });
    oauth.token(request, response).then(
      () => answer(response.status ?? 200, response.headers ?? {}, response.body),
      (error: { code?: number; name?: string }) => answer(error.code ?? 500, response.headers ?? {}, { error: error.name ?? 'server_error' }),
    );
    function answer(status: number, headers: Record<string, string>, payload: unknown) {
      const text = JSON.stringify(payload);
      res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    }
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const basic = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
  announce(
    {
      port,
      method: 'POST',
      path: '/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
      body: 'grant_type=client_credentials&scope=mall.read_store%20mall.read_product',
      note: '@node-oauth/oauth2-server 5, in-memory model: client_credentials, one opaque token kept in a Map',
    },
    () => new Promise<void>((resolve) => server.close(() => resolve())),
  );
});
server.on('error', fail);
