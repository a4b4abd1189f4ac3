import { EVENT_TYPES } from '../../webhooks/events.js';
import { MAX_LIMIT, MAX_OFFSET, writeBody } from './schemas.js';

/** JSON Schemas of the webhook resources of the Admin API (docs/webhooks.md). */
type Schema = Record<string, unknown>;

const shopNo = { type: 'integer', minimum: 1, description: 'The shop of the mall; only 1 exists.' };
const yesNo = (description: string): Schema => ({ type: 'string', enum: ['T', 'F'], description });
const date = (description: string): Schema => ({ type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', title: 'a date YYYY-MM-DD', description });
const ID = { type: 'string', pattern: '^[0-9a-f]{24}$', title: 'an id of 24 hex digits' };
const EVENT_NOS = [...new Set(Object.values(EVENT_TYPES).map((e) => e.eventNo))];

export const settingQuery: Schema = { type: 'object', additionalProperties: false, properties: { shop_no: shopNo } };
export const settingSchema: Schema = {
  type: 'object',
  properties: {
    shop_no: { type: 'integer' },
    scopes: { type: 'array', items: { type: 'string' }, description: 'The scopes of webhook events this app holds in the mall.' },
    reception_status: yesNo('T: the mall sends webhooks; F: it sends none (events are not queued meanwhile).'),
  },
};
export const settingBody = writeBody(
  { type: 'object', additionalProperties: false, required: ['reception_status'], properties: { reception_status: yesNo('Sends webhooks (T) or not (F).') } },
  "The mall's webhook reception.",
);

export const logsQuery: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    shop_no: shopNo,
    log_type: { type: 'string', enum: ['G', 'R', 'T'], description: 'G normal, R sent again, T test.' },
    success: yesNo('T: delivered; F: not (yet).'),
    event_no: { type: 'integer', enum: EVENT_NOS, description: 'Cafe24 event number.' },
    requested_start_date: date("From this day (the mall's calendar)."),
    requested_end_date: date('Up to and including this day.'),
    limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: 10, description: `Records per page, 1 to ${MAX_LIMIT}.` },
    offset: { type: 'integer', minimum: 0, maximum: MAX_OFFSET, default: 0, description: `Records to skip, 0 to ${MAX_OFFSET}.` },
  },
};

export const logSchema: Schema = {
  type: 'object',
  properties: {
    log_id: { type: 'string' },
    log_type: { type: 'string', enum: ['G', 'R', 'T'] },
    event_no: { type: 'integer' },
    event_type: { type: 'string' },
    mall_id: { type: 'string' },
    trace_id: { type: 'string' },
    requested_time: { type: 'string' },
    request_endpoint: { type: 'string' },
    request_body: { type: 'string' },
    success: yesNo('Delivered (T) or not (F).'),
    status: { type: 'string', enum: ['pending', 'delivered', 'dead', 'cancelled'] },
    attempts: { type: 'integer' },
    next_attempt_time: { type: ['string', 'null'] },
    response_time: { type: ['string', 'null'] },
    response_http_code: { type: ['integer', 'null'] },
    response_body: { type: ['string', 'null'] },
    response_latency_ms: { type: ['integer', 'null'] },
    error: { type: ['string', 'null'] },
  },
};

export const logIdParams: Schema = { type: 'object', required: ['log_id'], properties: { log_id: { ...ID, description: 'The log (delivery) id.' } } };
export const subscriptionIdParams: Schema = { type: 'object', required: ['subscription_id'], properties: { subscription_id: { ...ID, description: 'The subscription id.' } } };

export const subscriptionSchema: Schema = {
  type: 'object',
  properties: {
    subscription_id: { type: 'string' },
    endpoint_url: { type: 'string' },
    event_types: { type: 'array', items: { type: 'string' } },
    dialect: { type: 'string', enum: ['cafe24', 'pod'] },
    status: { type: 'string', enum: ['enabled', 'disabled'] },
    failure_streak: { type: 'integer' },
    disabled_date: { type: ['string', 'null'] },
    created_date: { type: 'string' },
  },
};

export const subscriptionCreateBody = writeBody(
  {
    type: 'object',
    additionalProperties: false,
    required: ['endpoint_url', 'event_types'],
    properties: {
      endpoint_url: { type: 'string', minLength: 1, maxLength: 2048, description: 'https, or http on loopback.' },
      event_types: { type: 'array', minItems: 1, maxItems: 20, items: { type: 'string', enum: Object.keys(EVENT_TYPES) }, description: 'Event types to receive.' },
      dialect: { type: 'string', enum: ['cafe24', 'pod'], default: 'cafe24', description: 'Body and header shape.' },
    },
  },
  'A webhook subscription of the calling app.',
);
export const subscriptionUpdateBody = writeBody(
  { type: 'object', additionalProperties: false, required: ['status'], properties: { status: { type: 'string', enum: ['enabled', 'disabled'], description: 'Enabling resets the failure run.' } } },
  'Enable or disable the subscription.',
);
export const emptyWriteBody: Schema = { type: 'object', additionalProperties: false, properties: { shop_no: shopNo } };
