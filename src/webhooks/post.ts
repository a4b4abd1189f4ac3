import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Addresses a webhook must not reach unless the deployment allows it (docs/webhooks.md, "Where
 * deliveries may go"): loopback, private, link-local (cloud metadata at 169.254.169.254),
 * carrier-grade NAT, unspecified, multicast and reserved ranges, in IPv4 and IPv6.
 */
const INTERNAL = new BlockList();
for (const [net, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) {
  INTERNAL.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96], ['2002::', 16]] as const) {
  INTERNAL.addSubnet(net, prefix, 'ipv6');
}

/** Is this IP address internal (IPv4-mapped IPv6 counts as its IPv4)? */
export function isInternalAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return INTERNAL.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  return family === 0 || INTERNAL.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export class BlockedAddressError extends Error {
  override readonly name = 'BlockedAddressError';
  readonly code = 'ERR_WEBHOOK_ADDRESS_BLOCKED';
}

const blocked = (address: string) =>
  new BlockedAddressError(`the endpoint resolves to an internal address (${address}); set SHOPAUTH_WEBHOOK_PRIVATE_NETWORKS=allow to deliver there`);

/**
 * The resolver of each connection: every address DNS gives is checked when the socket is made,
 * so a name that resolves to a public address at subscription and to an internal one later
 * (DNS rebinding) is refused too.
 */
const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, '', 0);
    const bad = addresses.find((a) => isInternalAddress(a.address));
    if (bad) return callback(blocked(bad.address), '', 0);
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    const first = addresses[0]!;
    callback(null, first.address, first.family);
  });
};

export interface PostOptions {
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Internal addresses allowed (a sandbox on one machine); else refused before connecting. */
  allowInternal: boolean;
  /** At most this many bytes of the answer are read. */
  maxAnswerBytes: number;
}

/** The receiver's answer: status and the start of its body. */
export interface PostAnswer {
  status: number;
  body: string;
}

/**
 * One webhook POST: no redirects followed, a timeout over the whole exchange (an error named
 * TimeoutError), at most `maxAnswerBytes` of the answer read.
 */
export function postWebhook(target: string, o: PostOptions): Promise<PostAnswer> {
  const url = new URL(target);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // An IP literal is never looked up: checked here.
  if (!o.allowInternal && isIP(host) !== 0 && isInternalAddress(host)) return Promise.reject(blocked(host));
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, {
      method: 'POST',
      headers: { ...o.headers, 'content-length': Buffer.byteLength(o.body).toString() },
      ...(o.allowInternal ? {} : { lookup: guardedLookup }),
    });
    const timer = setTimeout(() => {
      const e = new Error(`no answer within ${o.timeoutMs} ms`);
      e.name = 'TimeoutError';
      req.destroy(e);
    }, o.timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let finished = false;
      const done = () => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        res.destroy();
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      };
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        size += c.length;
        if (size >= o.maxAnswerBytes) done();
      });
      res.on('end', done);
      res.on('error', done);
    });
    req.end(o.body);
  });
}
