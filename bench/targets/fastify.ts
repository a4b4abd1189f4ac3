/**
 * The framework's own ceiling: a bare Fastify 5 app (logger off, one route, no hooks, no store)
 * answering what the bare node:http baselines answer. Not a target to meet, a reference: the
 * ratio of these to bare-json / bare-form is the most any Fastify route can reach here.
 * - json: `GET /store`, the same constant JSON as bare-json.
 * - form: `POST /token` with an urlencoded body (@fastify/formbody, as shopauth), the same
 *   token-sized JSON reply with no-store as bare-form.
 */
import formbody from '@fastify/formbody';
import Fastify from 'fastify';
import { announce, fail, modeArg } from '../child.js';
import { formScenario, storeBody, tokenBody } from './payloads.js';

const mode = modeArg(['json', 'form'] as const);

async function main() {
  const app = Fastify({ logger: false });
  await app.register(formbody);
  app.get('/store', async () => storeBody);
  app.post('/token', async (req, reply) =>
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(tokenBody(new URLSearchParams(req.body as Record<string, string>))),
  );
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const port = Number(new URL(address).port);
  const close = () => app.close();
  if (mode === 'json') announce({ port, method: 'GET', path: '/store', headers: {}, note: 'Fastify 5, one route, constant JSON (~180 B)' }, close);
  else announce({ ...formScenario(port), note: 'Fastify 5 + @fastify/formbody, JSON token-sized reply (~520 B)' }, close);
}

main().catch(fail);
