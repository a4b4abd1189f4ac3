import { Ajv } from 'ajv';

/**
 * The one ajv set-up of request validation (both dialects): the first error only, schema defaults
 * applied, unknown fields kept (each dialect's schemas say whether they are refused), the failing
 * schema attached to the error (its `title` words the message). `coerceTypes` is the dialect's
 * choice: query strings are text, bodies are JSON and never coerced.
 */
export const requestAjv = (coerceTypes: boolean | 'array'): Ajv =>
  new Ajv({ allErrors: false, useDefaults: true, removeAdditional: false, verbose: true, strictTypes: false, allowUnionTypes: true, coerceTypes });

/** "/request/items/0/quantity" -> "request.items[0].quantity" */
export function fieldName(base: string, instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  let name = base;
  for (const p of parts) name = /^\d+$/.test(p) ? `${name}[${p}]` : name ? `${name}.${p}` : p;
  return name;
}
