/**
 * Where a mall's endpoints are. `base` is either a shopauth server root (`http://127.0.0.1:8080`:
 * the mall is in the path, `/malls/{mall_id}`) or a template holding `{mall_id}`
 * (`https://{mall_id}.cafe24api.com`, or `https://auth.example.com/malls/{mall_id}`).
 */

/**
 * The root of a mall: every Cafe24-style path (`/api/v2/oauth/token`, `/api/v2/admin/products`)
 * is below it. It is also the issuer expected in `iss` (RFC 9207) unless told otherwise.
 *
 * @example
 * ```ts
 * mallRoot('http://127.0.0.1:8080', 'demo');            // 'http://127.0.0.1:8080/malls/demo'
 * mallRoot('https://{mall_id}.cafe24api.com', 'demo');  // 'https://demo.cafe24api.com'
 * ```
 */
export function mallRoot(base: string, mallId: string): string {
  const trimmed = base.replace(/\/+$/, '');
  const id = encodeURIComponent(mallId);
  return trimmed.includes('{mall_id}') ? trimmed.replaceAll('{mall_id}', id) : `${trimmed}/malls/${id}`;
}

