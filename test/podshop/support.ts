import { execFile } from 'node:child_process';
import { createCredentials } from '../../src/registry/credentials.js';
import { BASIC_CHALLENGE, expectRefusal } from '../support/oauth.js';
import type { TestServer } from '../support/server.js';

export const POD_SCOPES = ['mall.read_store', 'mall.read_order', 'mall.write_order', 'mall.read_product'];

/**
 * API credentials of a mall, as `shopauth credentials create` makes them; without a rate limit
 * unless one is given (the tests' clock stands still, so the default bucket would never drain).
 */
export async function seedCredentials(s: TestServer, mallId: string, options: { scopes?: string[]; rateLimit?: string } = {}) {
  const { app, clientSecret } = await createCredentials(
    { store: s.store, clock: s.clock, hasher: s.ctx.hasher },
    { mallId, scopes: options.scopes ?? POD_SCOPES, rateLimit: options.rateLimit ?? 'off' },
  );
  return { clientId: app.clientId, clientKey: clientSecret };
}

/** What the POD Shop document's terminal step computes: `echo -n 'ID:KEY' | base64`. */
export const base64 = (text: string) => Buffer.from(text).toString('base64');

export interface CurlResponse {
  status: number;
  headers: Map<string, string>;
  body: string;
  json: () => unknown;
}

/**
 * Runs a curl command of the source document as written, but for the host: the argument list
 * after `curl`. `-sS -i` are added only so the status and headers can be read.
 */
export function curl(args: string[]): Promise<CurlResponse> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sS', '-i', ...args], { encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`curl failed: ${stderr || error.message}`));
      const split = stdout.indexOf('\r\n\r\n');
      const [statusLine, ...lines] = stdout.slice(0, split).split('\r\n');
      const headers = new Map<string, string>();
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
      }
      const body = stdout.slice(split + 4);
      resolve({ status: Number(statusLine?.split(' ')[1]), headers, body, json: () => JSON.parse(body) as unknown });
    });
  });
}

/** A fetch POST with Basic credentials and an optional body. */
export function post(url: string, authorization: string | null, body?: { json?: unknown; form?: Record<string, string> }): Promise<Response> {
  const headers: Record<string, string> = {};
  if (authorization !== null) headers.authorization = authorization;
  let payload: string | undefined;
  if (body?.json !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body.json);
  } else if (body?.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    payload = new URLSearchParams(body.form).toString();
  }
  return fetch(url, { method: 'POST', headers, ...(payload !== undefined ? { body: payload } : {}) });
}

export interface PodTokens {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
}

/** The two 401 bodies of `/ac/...` (podshop.md, Errors on /ac/...). */
export const UNAUTHORIZED = { status: 401, error: 'Unauthorized' };
export const DOES_NOT_EXIST = { status: 401, error: 'this token does not exist' };

/** The RFC 6750 §3 challenge of a refused bearer token on the API. */
export const BEARER_INVALID = 'Bearer realm="shopauth", error="invalid_token"';

/**
 * A 401 of `/ac/...` whole (podshop.md, Errors on /ac/...): refused Basic credentials carry the
 * Basic challenge (RFC 7617); a refused refresh token none; a refused access token on the API
 * `challenge` (BEARER_INVALID).
 */
export async function expectPod401(res: Response, body: typeof UNAUTHORIZED, challenge: string | null = body === UNAUTHORIZED ? BASIC_CHALLENGE : null): Promise<void> {
  await expectRefusal(res, 401, body, { 'www-authenticate': challenge });
}
