import type { FastifyInstance } from 'fastify';

/**
 * `Content-Type: application/json` with an empty body is read as no body: client code sends the
 * header on every call (wire.md: the Admin API takes `Content-Type: application/json`; POD Shop
 * is "JSON only"), a body-less DELETE or POST included. Anything else parses as usual.
 */
export function emptyJsonIsNoBody(app: FastifyInstance): void {
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) =>
    body === '' ? done(null, undefined) : json(req, body as string, done),
  );
}
