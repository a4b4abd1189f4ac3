import { createHmac } from 'node:crypto';
import { LaunchError } from './errors.js';
import { sameText } from './wire.js';

/**
 * The parameters of a verified App URL launch (who opened the app, in which mall).
 *
 * @example
 * ```ts
 * const launch: Launch = verifyLaunch(query, CLIENT_SECRET);
 * console.log(launch.mall_id, launch.user_id, launch.user_type === 'P' ? 'representative' : 'sub-operator');
 * ```
 */
export interface Launch {
  mall_id: string;
  shop_no: string;
  user_id: string;
  user_name: string;
  /** P representative operator, A sub-operator. */
  user_type: string;
  lang: string;
  nation: string;
  is_multi_shop: string;
  /** Unix seconds. */
  timestamp: number;
  /** Every parameter as sent (including any of the App URL's own), except `hmac`. */
  params: Record<string, string>;
}

/**
 * Verifies Cafe24's App URL launch: `hmac` is base64 of HMAC-SHA256 keyed with the app's client
 * secret over the exact query string before `&hmac=`, compared in constant time; `timestamp`
 * (unix seconds) must be at most `maxAgeSeconds` old (default 300) and not more than that ahead.
 * `query` is the raw query string (with or without `?`) or the whole URL. Throws LaunchError.
 *
 * @example
 * ```ts
 * http.createServer((req, res) => {
 *   const launch = verifyLaunch(req.url!, CLIENT_SECRET, { maxAgeSeconds: 120 });
 *   res.end(`hello ${launch.user_name} of ${launch.mall_id}`);
 * });
 * ```
 */
export function verifyLaunch(
  query: string,
  clientSecret: string,
  options: { maxAgeSeconds?: number | undefined; now?: (() => number) | undefined } = {},
): Launch {
  const raw = query.includes('?') ? query.slice(query.indexOf('?') + 1).split('#')[0]! : query.replace(/^\?/, '');
  const at = raw.lastIndexOf('&hmac=');
  if (at < 0) throw new LaunchError('ERR_LAUNCH_INVALID', 'the launch has no hmac');
  const signed = raw.slice(0, at);
  let presented: string;
  try {
    presented = decodeURIComponent(raw.slice(at + '&hmac='.length));
  } catch {
    throw new LaunchError('ERR_LAUNCH_INVALID', 'the launch hmac is malformed');
  }
  const expected = createHmac('sha256', clientSecret).update(signed, 'utf8').digest('base64');
  if (!sameText(expected, presented)) throw new LaunchError('ERR_LAUNCH_INVALID', 'the launch hmac does not verify');
  const params: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(signed)) params[name] = value;
  const timestamp = Number(params.timestamp);
  if (!/^\d+$/.test(params.timestamp ?? '')) throw new LaunchError('ERR_LAUNCH_INVALID', 'the launch has no timestamp');
  const maxAge = options.maxAgeSeconds ?? 300;
  const nowSeconds = (options.now ?? Date.now)() / 1000;
  if (Math.abs(nowSeconds - timestamp) > maxAge) throw new LaunchError('ERR_LAUNCH_STALE', `the launch is ${Math.round(nowSeconds - timestamp)} s old (at most ${maxAge})`);
  const field = (name: string) => params[name] ?? '';
  return {
    mall_id: field('mall_id'),
    shop_no: field('shop_no'),
    user_id: field('user_id'),
    user_name: field('user_name'),
    user_type: field('user_type'),
    lang: field('lang'),
    nation: field('nation'),
    is_multi_shop: field('is_multi_shop'),
    timestamp,
    params,
  };
}
