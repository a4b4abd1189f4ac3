import { BlockList, isIPv4 } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { TrustProxy } from '../config.js';

/**
 * fastify's trustProxy as a function (issue 15, item 2): `(address, hop)` says whether the
 * address `hop` steps from this server is a trusted proxy. A hop count trusts that many steps;
 * ranges trust the addresses in them, so the client address is the first untrusted one from the
 * right of X-Forwarded-For, never the leftmost entry the client wrote.
 */
export function trustFunction(trust: TrustProxy): (address: string, hop: number) => boolean {
  if ('hops' in trust) return (_address, hop) => hop < trust.hops;
  const list = new BlockList();
  for (const range of trust.ranges) {
    const [address = '', prefix] = range.split('/');
    const family = isIPv4(address) ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return (address) => {
    const bare = address.replace(/^::ffff:(?=\d+\.)/, '');
    return list.check(bare, isIPv4(bare) ? 'ipv4' : 'ipv6');
  };
}

/**
 * fastify reads X-Forwarded-Host and X-Forwarded-Proto whenever trustProxy is set, whoever sent
 * them. They are dropped here unless the immediate peer is a trusted proxy, so a client talking to
 * the server directly cannot choose the issuer (without --public-url), the mall of host tenancy, or
 * whether cookies are Secure. Without --trust-proxy fastify ignores them already.
 */
export function dropUntrustedForwarding(app: FastifyInstance, trust: TrustProxy | null): void {
  if (trust === null) return;
  const trusted = trustFunction(trust);
  app.addHook('onRequest', (req, _reply, done) => {
    const peer = req.raw.socket.remoteAddress;
    if (peer === undefined || !trusted(peer, 0)) {
      delete req.headers['x-forwarded-host'];
      delete req.headers['x-forwarded-proto'];
    }
    done();
  });
}
