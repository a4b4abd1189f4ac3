import { createHmac } from 'node:crypto';
import type { Mall, Operator } from '../store/types.js';
import type { AppContext } from '../app-context.js';
import { OAuthError } from '../oauth/errors.js';
import { installableApp, installedApp } from './installed-apps.js';
import { safeEqual } from '../oauth/secrets.js';

/**
 * wire.md, App URL launch: when an operator opens an installed app, the browser goes to the
 * app's App URL with who and where, signed with the app's client secret so the app can trust it.
 */


/** wire.md: the languages of `lang`; the platform's default is Korean. */
export const LAUNCH_LANGS = ['ko_KR', 'en_US', 'ja_JP', 'zh_CN', 'zh_TW', 'pt_PT', 'es_ES'] as const;
export type LaunchLang = (typeof LAUNCH_LANGS)[number];

/** The requested language if it is one of wire.md's, else ko_KR. */
export const launchLang = (requested: unknown): LaunchLang =>
  (LAUNCH_LANGS as readonly unknown[]).includes(requested) ? (requested as LaunchLang) : 'ko_KR';

/** The parameters of a launch (wire.md), before `hmac`. */
export function launchParams(mall: Mall, operator: Operator, lang: LaunchLang, nowMs: number): Record<string, string> {
  return {
    is_multi_shop: 'F',
    lang,
    mall_id: mall.mallId,
    nation: 'KR',
    shop_no: String(mall.shopNo),
    timestamp: String(Math.floor(nowMs / 1000)),
    user_id: operator.userId,
    user_name: operator.name,
    user_type: operator.userType,
  };
}

/** RFC 3986 percent-encoding of everything but unreserved characters (so no URL parser re-encodes it). */
const encode = (value: string) => encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * The App URL with `params` in alphabetical order and `hmac` last: base64 of HMAC-SHA256 keyed
 * with the client secret over the exact query string that precedes `&hmac=` (wire.md). A query
 * the App URL was registered with comes first and is signed too (it is part of that string).
 */
export function signedLaunchUrl(appUrl: string, params: Record<string, string>, clientSecret: string): string {
  const url = new URL(appUrl);
  const fragment = url.hash;
  const registered = url.search.slice(1);
  url.hash = '';
  url.search = '';
  const ours = Object.keys(params)
    .sort()
    .map((k) => `${encode(k)}=${encode(params[k]!)}`)
    .join('&');
  const query = registered ? `${registered}&${ours}` : ours;
  return `${url.href}?${query}&hmac=${encode(launchHmac(query, clientSecret))}${fragment}`;
}

/** wire.md: base64 of HMAC-SHA256 keyed with the client secret over the query before `&hmac=`. */
const launchHmac = (query: string, clientSecret: string) => createHmac('sha256', clientSecret).update(query, 'utf8').digest('base64');

/** What an app does on its App URL (the demo app's page): checks the `hmac` of a raw query string. */
export function verifyLaunch(rawQuery: string, clientSecret: string): boolean {
  const at = rawQuery.lastIndexOf('&hmac=');
  if (at < 0) return false;
  let presented: string;
  try {
    presented = decodeURIComponent(rawQuery.slice(at + '&hmac='.length));
  } catch {
    return false;
  }
  return safeEqual(launchHmac(rawQuery.slice(0, at), clientSecret), presented);
}

/**
 * Launches an app installed in the mall for a signed-in operator (representative or sub-operator):
 * the URL to send the browser to. 404 when the app holds no live grant in the mall; 409 when no
 * sealed secret was kept for it (registered before shopauth kept them, or a public client).
 * `install`: the representative operator installs a platform app not installed yet (the console's
 * install list, the developer center's test run): the same launch, so the app starts the
 * authorization request (wire.md, App URL launch).
 */
export async function launchApp(
  ctx: AppContext,
  mall: Mall,
  operator: Operator,
  clientId: string,
  lang: LaunchLang,
  meta: { ip?: string; traceId?: string } = {},
  mode: 'open' | 'install' = 'open',
): Promise<string> {
  if (mode === 'install' && operator.userType !== 'P') throw new OAuthError('access_denied', 'only the representative operator can install apps');
  const { app, launchable } = mode === 'install' ? await installableApp(ctx, clientId) : await installedApp(ctx, mall, clientId);
  const kept = launchable ? await ctx.store.appSecrets.get(clientId) : undefined;
  if (!kept) throw new OAuthError('invalid_request', launchUnavailable(app.clientType), { status: 409 });
  let secret: string;
  try {
    secret = ctx.secretSealer.open(clientId, kept.sealedSecret);
  } catch {
    throw new OAuthError('server_error', "the app's secret cannot be unsealed: the server key that sealed it is not configured (SHOPAUTH_SECRET or the key file); re-register the app");
  }
  const url = signedLaunchUrl(app.appUrl, launchParams(mall, operator, lang, ctx.clock.now()), secret);
  ctx.audit.record({ type: 'app.launched', mallId: mall.mallId, clientId, userId: operator.userId, ...meta, detail: mode === 'install' ? { lang, install: true } : { lang } });
  return url;
}

/** Why an installed app cannot be launched, in words for the console. */
export const launchUnavailable = (clientType: 'confidential' | 'public'): string =>
  clientType === 'public'
    ? 'launch unavailable: the app is a public client and has no secret to sign the launch with'
    : 'launch unavailable: re-register the app (it was registered before shopauth kept client secrets for launches)';
