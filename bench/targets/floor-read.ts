/**
 * Floor of the Admin API read `GET /malls/{mall}/api/v2/admin/products?limit=10`: in one read
 * transaction the caller (bearer: HMAC of the token and its indexed lookup; basic: the POD Shop
 * credentials' lookup and HMAC), the scope check, the 10-product page query and its category links; the same JSON
 * bytes as shopauth's (Cafe24's product shape, money as "15000.00", local times with offset).
 */
import { fail, modeArg } from '../child.js';
import { authenticate, db, hash, isoLocal, seed, send, serveFloor } from './floor.js';

const mode = modeArg(['bearer', 'basic'] as const);
const SCOPE = 'mall.read_product';
type Token = { kind: string; mall_id: string; scopes: string; expires_at: number; revoked_at: number | null };
const token = db.prepare<[string], Token>('select kind, mall_id, scopes, expires_at, revoked_at from tokens where token_hash = ?');
type Product = Record<string, string | number>;
const page = db.prepare<[string, number, number], Product>('select * from products where mall_id = ? order by product_no limit ? offset ?');
type Link = { product_no: number; category_no: number; recommend: string; new: string };
const links = db.prepare<[string, number, number], Link>('select product_no, category_no, recommend, new from product_categories where mall_id = ? and product_no between ? and ? order by product_no, category_no');
const money = (n: number) => `${Math.floor(n / 100)}.${String(n % 100).padStart(2, '0')}`;

/** The caller's scopes, or undefined (401). */
function scopesOf(authorization: string | undefined): string[] | undefined {
  if (mode === 'basic') {
    const client = authenticate(authorization, 'credentials');
    return client?.mallId === seed.mallId ? client.scopes : undefined;
  }
  if (!authorization?.startsWith('Bearer ')) return undefined;
  const t = token.get(hash(authorization.slice(7)));
  return t && t.kind === 'access' && t.mall_id === seed.mallId && t.revoked_at === null && t.expires_at > Date.now() ? (JSON.parse(t.scopes) as string[]) : undefined;
}

const read = db.transaction((authorization: string | undefined, url: string): [number, unknown] => {
  const scopes = scopesOf(authorization);
  if (!scopes) return [401, { error: { code: 401, message: 'invalid token' } }];
  if (!scopes.includes(SCOPE)) return [403, { error: { code: 403, message: 'insufficient scope' } }];
  const q = new URLSearchParams(url.slice(url.indexOf('?') + 1));
  const rows = page.all(seed.mallId, Number(q.get('limit') ?? 10), Number(q.get('offset') ?? 0));
  const byProduct = new Map<number, { category_no: number; recommend: string; new: string }[]>();
  for (const l of rows.length ? links.all(seed.mallId, Number(rows[0]!.product_no), Number(rows[rows.length - 1]!.product_no)) : []) {
    const list = byProduct.get(l.product_no) ?? [];
    list.push({ category_no: l.category_no, recommend: l.recommend, new: l.new });
    byProduct.set(l.product_no, list);
  }
  return [200, { products: rows.map((p) => ({
    shop_no: 1, product_no: p.product_no, product_code: p.product_code, custom_product_code: p.custom_product_code, product_name: p.product_name,
    eng_product_name: p.eng_product_name, model_name: p.model_name, price: money(Number(p.price)), retail_price: money(Number(p.retail_price)),
    supply_price: money(Number(p.supply_price)), display: p.display, selling: p.selling, summary_description: p.summary_description,
    stock_quantity: p.stock_quantity, created_date: isoLocal(Number(p.created_at)), updated_date: isoLocal(Number(p.updated_at)),
    category: byProduct.get(Number(p.product_no)) ?? [],
  })) }];
});

const authorization = mode === 'bearer' ? `Bearer ${seed.accessToken}` : `Basic ${Buffer.from(`${seed.podId}:${seed.podSecret}`).toString('base64')}`;
try {
  serveFloor(
    (req, _body, res) => {
      const [status, answer] = read(req.headers.authorization, req.url ?? '');
      send(res, status, answer, mode === 'bearer' ? { 'x-cafe24-api-version': '2025-12-01' } : {});
    },
    { method: 'GET', path: `/malls/${seed.mallId}/api/v2/admin/products?limit=10`, headers: { authorization } },
    `products?limit=10 (${mode}): caller lookup + HMAC, scope, page and category-link queries, one read transaction`,
  );
} catch (error) {
  fail(error);
}
