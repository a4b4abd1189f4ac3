import type { ErrorObject, ValidateFunction } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';
import { fieldName, requestAjv } from '../../http/ajv.js';
import { invalidField } from './errors.js';

/**
 * Request validation of the POD Shop routes: the JSON Schemas of schemas.ts, compiled by
 * ajv, and POD Shop's 400 invalidParameter naming the first bad field (docs/podshop.md, Errors).
 * Unknown fields and parameters are ignored (POD Shop clients may send more than shopauth reads).
 * Query strings are coerced from text ("20" -> 20), and an empty value is no value; bodies are not
 * coerced.
 */
const queryAjv = requestAjv(true);
const bodyAjv = requestAjv(false);

type Schema = { title?: string; type?: string | string[]; required?: string[]; properties?: Record<string, Schema> };

const isContainer = (s: Schema | undefined) => [s?.type].flat().some((t) => t === 'object' || t === 'array');
/** A missing (or null) value: an array or object says what it must be (its title), anything else is required. */
const missing = (s: Schema | undefined) => (isContainer(s) && s?.title ? s.title : 'is required');

/** [field, why] of the first error; the root's failures are reported on its first required field. */
function podFieldError(e: ErrorObject, root: Schema, part: string): [string, string] {
  const schema = e.parentSchema as Schema | undefined;
  if (e.keyword === 'required') {
    const name = String(e.params.missingProperty);
    return [fieldName('', e.instancePath, name), missing(schema?.properties?.[name])];
  }
  if (e.instancePath === '') return [root.required?.[0] ?? part, root.title ?? `the ${part} is invalid`];
  const field = fieldName('', e.instancePath);
  if (e.data === null) return [field, missing(schema)];
  switch (e.keyword) {
    case 'minLength':
      return [field, 'is required'];
    case 'maxLength':
      return [field, `must be at most ${String(e.params.limit)} characters`];
    case 'maxItems':
      return [field, `must have at most ${String(e.params.limit)} items`];
    case 'type':
      if (!schema?.title && [schema?.type].flat().includes('string')) return [field, 'must be a string'];
  }
  return [field, schema?.title ?? e.message ?? 'is invalid'];
}

/** Fastify's validatorCompiler for the POD Shop routes: returns POD Shop's 400 on failure. */
export const podValidatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const query = httpPart === 'querystring';
  const validate: ValidateFunction = (query ? queryAjv : bodyAjv).compile(schema as object);
  const part = httpPart ?? 'body';
  return (data: unknown) => {
    if (query && data !== null && typeof data === 'object') {
      for (const [k, v] of Object.entries(data)) if (v === '') delete (data as Record<string, unknown>)[k];
    }
    if (validate(data)) return { value: data };
    const first = validate.errors?.[0];
    const [field, why] = first ? podFieldError(first, schema as Schema, part) : [part, 'is invalid'];
    return { error: invalidField(field, why) };
  };
};
