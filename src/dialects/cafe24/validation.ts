import { ApiError } from '../../errors.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { fieldName, requestAjv } from '../../http/ajv.js';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * Request validation of the Admin API: the JSON Schemas of schemas.ts, compiled by ajv, and
 * a 422 whose message names the parameter or field (wire.md: 422 invalid parameter).
 * Query strings and path parameters are coerced from text ("10" -> 10); bodies are not.
 * Unknown query parameters and body fields are refused (the schemas say additionalProperties:
 * false; ajv removes nothing) rather than silently ignored, so a
 * client never believes a filter applied that did not.
 */
const queryAjv = requestAjv('array');
const bodyAjv = requestAjv(false);

export function describeError(e: ErrorObject, part: string): string {
  const base = '';
  const noun = part === 'body' ? 'field' : 'parameter';
  switch (e.keyword) {
    case 'required': {
      const name = fieldName(base, e.instancePath, String(e.params.missingProperty));
      return `${name} is required`;
    }
    case 'additionalProperties':
      return `unknown ${noun} ${fieldName(base, e.instancePath, String(e.params.additionalProperty).slice(0, 64))}`;
    case 'pattern': {
      const title = (e.parentSchema as { title?: string } | undefined)?.title;
      return `${fieldName(base, e.instancePath)} must be ${title ?? `in the form ${String(e.params.pattern)}`}`;
    }
    case 'enum':
      return `${fieldName(base, e.instancePath)} must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'minProperties':
      return part === 'body' && e.instancePath === '/request' ? 'request must have at least one field to change' : `${fieldName(base, e.instancePath) || part} must not be empty`;
    case 'type':
      if (e.instancePath === '') return part === 'body' ? 'the body must be a JSON object like {"shop_no":1,"request":{...}}' : `${part} must be an object`;
      return `${fieldName(base, e.instancePath)} must be ${e.params.type === 'integer' ? 'an integer' : `of type ${String(e.params.type).replace(',', ' or ')}`}`;
    default:
      return `${fieldName(base, e.instancePath) || part} ${e.message ?? 'is invalid'}`;
  }
}

/** Fastify's validatorCompiler for the API's routes: returns the ApiError itself on failure (the route's error writer gives it the 422 body). */
export const apiValidatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? bodyAjv : queryAjv;
  const validate: ValidateFunction = ajv.compile(schema as object);
  const part = httpPart ?? 'body';
  return (data: unknown) => {
    if (validate(data)) return { value: data };
    const first = validate.errors?.[0];
    return { error: new ApiError('invalid_parameter', first ? describeError(first, part) : `the ${part} is invalid`) };
  };
};
