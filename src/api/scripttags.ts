import type { Clock } from '../clock.js';
import type { Mall, Store } from '../store/types.js';
import type { Scripttag, ScripttagFilter, ScripttagPatch } from '../store/shop-types.js';
import { nothingChanged } from './categories.js';
import type { Caller } from './caller.js';
import { checkShopNo, invalidParameter, notFound, numbers, pick, values, type Query } from './resources.js';
import { isoLocal } from './shop-time.js';

/**
 * Scripttags (scopes mall.read_application / mall.write_application): scripts an app puts on the
 * mall's storefront. An app sees, changes and deletes only its own tags: another app's tag is as
 * good as absent (404), as in Cafe24.
 */
export function scripttagView(t: Scripttag, mall: Mall) {
  return {
    shop_no: mall.shopNo,
    script_no: t.scriptNo,
    client_id: t.clientId,
    src: t.src,
    display_location: t.displayLocation,
    exclude_path: t.excludePath,
    skin_no: t.skinNo,
    integrity: t.integrity,
    created_date: isoLocal(t.createdAt, mall.timezone),
    updated_date: isoLocal(t.updatedAt, mall.timezone),
  };
}

function scripttagFilter(caller: Caller, q: Query): ScripttagFilter {
  const f: ScripttagFilter = { clientId: caller.clientId };
  const scriptNo = values(q.script_no);
  const src = values(q.src);
  const location = values(q.display_location);
  const skin = numbers(q.skin_no);
  if (scriptNo) f.scriptNo = scriptNo;
  if (src) f.src = src;
  if (location) f.displayLocation = location;
  if (skin) f.skinNo = skin;
  return f;
}

export async function listScripttags(store: Store, mall: Mall, caller: Caller, q: Query) {
  checkShopNo(mall, q.shop_no);
  const rows = await store.shop.scripttags.list(mall.mallId, scripttagFilter(caller, q));
  return { scripttags: rows.map((t) => pick(scripttagView(t, mall), q.fields)) };
}

export async function countScripttags(store: Store, mall: Mall, caller: Caller, q: Query) {
  checkShopNo(mall, q.shop_no);
  return { count: (await store.shop.scripttags.list(mall.mallId, scripttagFilter(caller, q))).length };
}

async function ownTag(store: Store, mall: Mall, caller: Caller, scriptNo: string): Promise<Scripttag> {
  const t = await store.shop.scripttags.get(mall.mallId, scriptNo);
  if (!t || t.clientId !== caller.clientId) throw notFound(`scripttag ${scriptNo}`);
  return t;
}

export async function getScripttag(store: Store, mall: Mall, caller: Caller, scriptNo: string, q: Query) {
  checkShopNo(mall, q.shop_no);
  return { scripttag: pick(scripttagView(await ownTag(store, mall, caller, scriptNo), mall), q.fields) };
}

/** The `request` of a scripttag write (scripttagCreateBody / scripttagUpdateBody). */
export interface ScripttagRequest {
  src?: string;
  display_location?: string[];
  exclude_path?: string[];
  skin_no?: number[];
  integrity?: string | null;
}

/** The schema checked the shape; this checks it is a URL a browser would load over https. */
function checkSrc(src: string): void {
  let url: URL;
  try {
    url = new URL(src);
  } catch {
    throw invalidParameter('request.src must be an https URL');
  }
  if (url.protocol !== 'https:' || url.hostname === '' || url.username !== '' || url.password !== '') throw invalidParameter('request.src must be an https URL');
}

type Deps = { store: Store; clock: Clock };

export async function createScripttag(deps: Deps, mall: Mall, caller: Caller, body: { shop_no?: number; request: ScripttagRequest }) {
  checkShopNo(mall, body.shop_no);
  const r = body.request;
  checkSrc(r.src!);
  const t = await deps.store.shop.scripttags.create(
    mall.mallId,
    { clientId: caller.clientId, src: r.src!, displayLocation: r.display_location!, excludePath: r.exclude_path ?? [], skinNo: r.skin_no ?? [], integrity: r.integrity ?? null },
    deps.clock.now(),
  );
  return { scripttag: scripttagView(t, mall) };
}

const same = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export async function updateScripttag(deps: Deps, mall: Mall, caller: Caller, scriptNo: string, body: { shop_no?: number; request: ScripttagRequest }) {
  checkShopNo(mall, body.shop_no);
  const r = body.request;
  const current = await ownTag(deps.store, mall, caller, scriptNo);
  const patch: ScripttagPatch = {};
  if (r.src !== undefined && r.src !== current.src) {
    checkSrc(r.src);
    patch.src = r.src;
  }
  if (r.display_location !== undefined && !same(r.display_location, current.displayLocation)) patch.displayLocation = r.display_location;
  if (r.exclude_path !== undefined && !same(r.exclude_path, current.excludePath)) patch.excludePath = r.exclude_path;
  if (r.skin_no !== undefined && !same(r.skin_no, current.skinNo)) patch.skinNo = r.skin_no;
  if (r.integrity !== undefined && r.integrity !== current.integrity) patch.integrity = r.integrity;
  if (Object.keys(patch).length === 0) throw nothingChanged(`scripttag ${scriptNo}`);
  const t = await deps.store.shop.scripttags.update(mall.mallId, scriptNo, patch, deps.clock.now());
  if (!t) throw notFound(`scripttag ${scriptNo}`);
  return { scripttag: scripttagView(t, mall) };
}

export async function deleteScripttag(store: Store, mall: Mall, caller: Caller, scriptNo: string, q: Query) {
  checkShopNo(mall, q.shop_no);
  await ownTag(store, mall, caller, scriptNo);
  await store.shop.scripttags.delete(mall.mallId, scriptNo);
  return { scripttag: { script_no: scriptNo } };
}

/** Storefront pages and the display_location each one is (the demo storefront's routes). */
export const STOREFRONT_PAGES: Record<string, string> = {
  '/': 'MAIN',
  '/product/list.html': 'PRODUCT_LIST',
  '/product/detail.html': 'PRODUCT_DETAIL',
  '/product/search.html': 'PRODUCT_SEARCH',
  '/order/basket.html': 'ORDER_BASKET',
  '/order/orderform.html': 'ORDER_ORDERFORM',
  '/order/order_result.html': 'ORDER_ORDERRESULT',
  '/myshop/index.html': 'MYSHOP_MAIN',
  '/myshop/order/list.html': 'MYSHOP_ORDERLIST',
  '/member/login.html': 'MEMBER_LOGIN',
  '/member/join.html': 'MEMBER_JOIN',
  '/board/list.html': 'BOARD_LIST',
  '/board/read.html': 'BOARD_READ',
};

/** The tags of every app that a storefront page at `path` carries (skin 1, the default skin). */
export async function storefrontTags(store: Store, mall: Mall, path: string, skinNo = 1): Promise<Scripttag[]> {
  const location = STOREFRONT_PAGES[path];
  if (location === undefined) return [];
  const tags = await store.shop.scripttags.list(mall.mallId, { displayLocation: [location], skinNo: [skinNo] });
  return tags.filter((t) => !t.excludePath.includes(path));
}
