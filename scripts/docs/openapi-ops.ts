/**
 * The ops API in docs/openapi.json: its own REST API (servers per path), every route IAM-authorized (SigV4,
 * `OpsIam`), tag Ops. One table of routes; the test compares them with the deployed template.
 */
import type * as z from 'zod';
import { MAX_BODY_BYTES } from '../../functions/core/runtime/http';
import { OrdersQuery } from '../../functions/core/ops/schemas/find';
import { ReturnsQuery } from '../../functions/core/ops/schemas/returns';
import { ExceptionsQuery } from '../../functions/core/workflow/schemas/ops';
import { API_STAGE_NAME } from '../../lib/constructs/storefront-api';
import { type JsonObject, errorResponses, json, orderIdParameter, queryParameters, ref, API_ERRORS } from './openapi-parts';

export const OPS_SERVERS = [
  {
    url: `https://{opsRestApiId}.execute-api.{region}.amazonaws.com/${API_STAGE_NAME}`,
    description: 'Ops API, a REST API of its own (stack output OpsApiUrl)',
    variables: { opsRestApiId: { default: 'example-ops' }, region: { default: 'eu-west-1' } },
  },
  { url: `http://127.0.0.1:{port}/${API_STAGE_NAME}`, description: 'Local runtime (`npm start`; `ops.url` in .local/endpoints.json)', variables: { port: { default: '3000' } } },
];

/** The security scheme of every ops route (OpenAPI has no SigV4 type: API Gateway's own extension says it). */
export const OPS_SECURITY_SCHEME = {
  type: 'apiKey',
  in: 'header',
  name: 'Authorization',
  'x-amazon-apigateway-authtype': 'awsSigv4',
  description:
    'AWS Signature Version 4 (service execute-api) with the credentials of an IAM principal that has the OperatorPolicy (stack output OpsOperatorPolicyArn), e.g. an IAM Identity Center permission set. The caller ARN is recorded as `actorId` on every action. Locally: the credentials in `.local/endpoints.json` `ops.credentials` (local/tools/ops-client.ts signs).',
};

export const OPS_ERRORS = {
  403: 'Not signed, badly signed, expired, or the caller lacks execute-api:Invoke (API Gateway: `code: FORBIDDEN`); or no IAM caller reached the handler',
  429: 'Ops stage throttle exceeded (answered by API Gateway)',
  500: API_ERRORS[500],
};

interface OpsRoute {
  readonly method: 'get' | 'post';
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly query?: z.ZodType;
  readonly body?: { readonly schema: string; readonly required: boolean };
  readonly ok: Readonly<Record<string, { description: string; schema?: string; media?: string }>>;
  readonly errors: Readonly<Record<number, string>>;
  readonly extraParameters?: readonly JsonObject[];
}

const documentIdParameter = { name: 'documentId', in: 'path', required: true, description: '`{fulfillmentId}.{packing-slip|purchase-order|cancellation}` (from the order\'s `documents`)', schema: { type: 'string' } };
const idempotencyKey = { name: 'Idempotency-Key', in: 'header', required: false, description: 'Cancel only: one request id (default: one per order and reason)', schema: { type: 'string', maxLength: 255 } };
const BODY_ERRORS = { 413: `Body larger than ${MAX_BODY_BYTES} bytes`, 415: 'A body was sent and Content-Type is not application/json', 422: 'Body is JSON but invalid (the issue names the field)' };

const action = (name: string, summary: string, body: OpsRoute['body'], ok: OpsRoute['ok'], conflict: string, description?: string): OpsRoute => ({
  method: 'post',
  path: `/ops/orders/{orderId}/${name}`,
  operationId: `${name}Order`,
  summary,
  ...(description === undefined ? {} : { description }),
  ...(body === undefined ? {} : { body }),
  ok,
  errors: { 400: 'Malformed order id or JSON body', 404: 'No such order', 409: conflict, ...BODY_ERRORS },
  ...(name === 'cancel' ? { extraParameters: [idempotencyKey] } : {}),
});

const HOLD_DECISION = { schema: 'HoldDecisionResponse' };

// Long: the ops routes as one table (data).
export const OPS_ROUTES: readonly OpsRoute[] = [
  {
    method: 'get',
    path: '/ops/orders',
    operationId: 'findOrders',
    summary: 'Find orders (status, channel, supplier, age, external order id, customer email), newest first',
    description:
      'One index drives each listing (no table scan): email (exact, compared as a SHA-256; never logged), channel, status, supplier, or every status merged. The other filters apply to what the index found, so a page may hold fewer than `limit` items and still have a `nextCursor`. A cursor is opaque and valid only with the same filters: a forged or foreign one is a 400 naming `cursor`.',
    query: OrdersQuery,
    ok: { '200': { description: 'Order summaries and the next page\'s cursor', schema: 'OrdersPage' } },
    errors: { 400: 'Invalid cursor', 422: 'Query string is invalid (unknown status, limit outside 1-100, malformed email, unknown parameter)' },
  },
  {
    method: 'get',
    path: '/ops/orders/{orderId}',
    operationId: 'lookOrder',
    summary: 'An order with its timeline (actors, operator ids), execution, workflow definition, fulfillments, documents, deliveries and returns',
    ok: { '200': { description: 'Everything about the order (customer contact included: never logged)', schema: 'OrderLookResponse' } },
    errors: { 400: 'Malformed order id', 404: 'No such order' },
  },
  {
    method: 'get',
    path: '/ops/orders/{orderId}/documents/{documentId}',
    operationId: 'getDocument',
    summary: 'A document sent to a supplier (packing slip PDF, purchase order or cancellation file)',
    description: 'Bytes with their media type (binary media types of the ops API: ask with `Accept: application/pdf` or `text/csv`).',
    ok: { '200': { description: 'The document', media: 'application/pdf' } },
    errors: { 400: 'Malformed order or document id', 404: 'No such document', 409: 'Larger than the API answers (4 MB): read it from the files bucket' },
    extraParameters: [documentIdParameter],
  },
  action('approve', 'Release an order on hold (fraud review, payment or operator hold)', { schema: 'ApproveHoldRequest', required: false }, { '200': { description: 'Hold released (timeline `OrderReleased`, actor operator with actorId); `resumed`: the waiting workflow was resumed now', ...HOLD_DECISION } }, 'The order is not on hold'),
  action('reject', 'Reject an order on hold: it is cancelled (refund requested when money was taken)', { schema: 'RejectHoldRequest', required: true }, { '200': { description: 'Order cancelled', ...HOLD_DECISION } }, 'The order is not on hold'),
  action('hold', 'Hold an order not yet routed (RECEIVED, VALIDATED): OPERATOR_HOLD; one already on hold stays held for its reason', { schema: 'HoldRequest', required: true }, { '200': { description: '`{ orderId, status: ON_HOLD, holdReason, holdExpiresAt, changed }` (changed false: it already was on hold)' } }, 'The order is routed or later (cancel it instead)', 'The workflow waits at AwaitHoldDecision until release, reject or the hold timeout.'),
  action('release', 'Release a hold (the approve decision, with the operator\'s note)', { schema: 'ReleaseRequest', required: false }, { '200': { description: 'Hold released', ...HOLD_DECISION } }, 'The order is not on hold'),
  action('cancel', 'Cancel an order through the cancellation flow (source operator)', { schema: 'OpsCancelRequest', required: true }, { '200': { description: 'CANCELLED now', schema: 'CancellationOutcomeResponse' }, '202': { description: 'CANCELLATION_REQUESTED: dispatched suppliers were asked', schema: 'CancellationOutcomeResponse' } }, 'NOT_CANCELLABLE (shipped, delivered or terminal)'),
  action('redrive', 'Redrive the order\'s FAILED, TIMED_OUT or ABORTED execution from where it failed', undefined, { '200': { description: '`{ orderId, executionArn, previousStatus, redriveDate }` (audited: an OperatorAction timeline entry at the redrive date with the actorId; a retried request writes none)' } }, 'The execution is not redrivable (RUNNING or SUCCEEDED) or does not exist'),
  action('retry', 'Retry a failed step: a failed execution is redriven, anything else is a 409 saying why', undefined, { '200': { description: 'As redrive' } }, 'Nothing failed (the execution is RUNNING or SUCCEEDED)'),
  action('resolve', 'Close the order\'s open exceptions (the order\'s and its fulfillments\' exceptions-index marks) with a note', { schema: 'ResolveRequest', required: true }, { '200': { description: '`{ orderId, resolved: [kinds], note }` (audited: an OperatorAction timeline entry with the actorId and note, in the same transaction)' } }, 'The order has no open exception, or its exceptions changed meanwhile'),
  {
    method: 'get',
    path: '/ops/suppliers',
    operationId: 'listSuppliers',
    summary: 'Suppliers: status, paused, feed freshness, open stock alerts',
    ok: { '200': { description: '`[{ supplierId, name, status, paused, pausedSince?, pause?: { at, actorId, note? }, pauseLog: [{ action, at, actorId, note? }] (newest first, 5), feed: { lastFeedAt, stale }, stockAlerts }]`' } },
    errors: {},
  },
  ...(['pause', 'resume'] as const).map(
    (a): OpsRoute => ({
      method: 'post',
      path: `/ops/suppliers/{supplierId}/${a}`,
      operationId: `${a}Supplier`,
      summary: a === 'pause' ? 'Pause a supplier: routing skips it (SUPPLIER_PAUSED); orders in flight continue' : 'Resume a paused supplier',
      description: `Body \`{ note? }\` (optional). One transaction with a Supplier${a === 'pause' ? 'Paused' : 'Resumed'} supplier event (on the bus, with the operator's id). A repeat answers \`changed: false\`.`,
      body: { schema: 'PauseRequest', required: false },
      ok: { '200': { description: '`{ supplierId, paused, changed }`' } },
      errors: { 400: 'Malformed supplier id or JSON body', 404: 'No such supplier', 409: 'Changed concurrently: try again', ...BODY_ERRORS },
      extraParameters: [{ name: 'supplierId', in: 'path', required: true, schema: { type: 'string' } }],
    }),
  ),
  {
    method: 'get',
    path: '/ops/dead-letters',
    operationId: 'listDeadLetters',
    summary: 'Dead-letter queues operators can replay: counts and a peek (ids, times, receive counts, reasons; no bodies)',
    extraParameters: [{ name: 'source', in: 'query', required: false, schema: { type: 'string', enum: ['supplier-inbound', 'notifications'] } }],
    ok: { '200': { description: '`[{ source, name, approximateCount, messages: [{ messageId, sentAt?, receiveCount?, reason?, group?, type? }] }]` (reason: the recorded errorCode / errorMessage; group: the FIFO message group, an order id for notifications)' } },
    errors: { 422: 'Unknown `source` or parameter' },
  },
  {
    method: 'post',
    path: '/ops/dead-letters/{source}/replay',
    operationId: 'replayDeadLetters',
    summary: 'Move dead-lettered messages back to their source queue after a fix (all, or `messageIds`; at most 100 per call)',
    body: { schema: 'ReplayRequest', required: false },
    ok: { '200': { description: '`{ source, replayed, messageIds, notFound }`' } },
    errors: { 400: 'Malformed JSON body', ...BODY_ERRORS, 422: 'Unknown source, or invalid `messageIds`' },
    extraParameters: [{ name: 'source', in: 'path', required: true, schema: { type: 'string', enum: ['supplier-inbound', 'notifications'] } }],
  },
  {
    method: 'get',
    path: '/ops/returns',
    operationId: 'listReturns',
    summary: 'Returns across orders (status or UNANSWERED past the supplier deadline, supplier, age), newest change first',
    description:
      'One index per listing (no table scan): gsi2 `RETURN#{status}` (every status merged without one), or the exceptions index `RETURN_UNANSWERED` below now for `status=UNANSWERED`. `supplier` and `olderThanMinutes` filter what the index found, so a page may hold fewer than `limit` items and still have a `nextCursor`. A cursor is valid only with the same filters: a forged or foreign one is a 400 naming `cursor`.',
    query: ReturnsQuery,
    ok: { '200': { description: 'Return summaries and the next page\'s cursor', schema: 'ReturnsPage' } },
    errors: { 400: 'Invalid cursor', 422: 'Query string is invalid (unknown status, malformed supplier, limit outside 1-100, unknown parameter)' },
  },
  {
    method: 'get',
    path: '/ops/exceptions',
    operationId: 'listExceptions',
    summary: 'Open exceptions for operators, newest first',
    description:
      'From the sparse exceptions index (the `kind` enum lists them). Without `kind`: the newest `limit` entries over every kind (one page). With `kind`: that kind, paged with `cursor`. Entries carry ids, codes and statuses only (no customer data).',
    query: ExceptionsQuery,
    ok: { '200': { description: 'Open exceptions; `cursor` when more entries of this `kind` follow', schema: 'ExceptionsResponse' } },
    errors: { 400: 'Invalid cursor, or a cursor without `kind`', 422: 'Query string is invalid (unknown `kind`, `limit` outside 1-100, unknown parameter)' },
  },
];

export function opsPaths(): Record<string, JsonObject> {
  const paths: Record<string, JsonObject> = {};
  for (const r of OPS_ROUTES) {
    const ok = Object.fromEntries(
      Object.entries(r.ok).map(([status, o]) => [
        status,
        { description: o.description, ...(o.schema !== undefined ? { content: json(ref(o.schema)) } : o.media !== undefined ? { content: { [o.media]: { schema: { type: 'string', format: 'binary' } } } } : {}) },
      ]),
    );
    const params = [...(r.path.includes('{orderId}') ? [orderIdParameter] : []), ...(r.extraParameters ?? []), ...(r.query === undefined ? [] : queryParameters(r.query))];
    const entry = paths[r.path] ?? { servers: OPS_SERVERS };
    entry[r.method] = {
      operationId: r.operationId,
      tags: ['Ops'],
      summary: r.summary,
      ...(r.description === undefined ? {} : { description: r.description }),
      security: [{ OpsIam: [] }],
      ...(params.length === 0 ? {} : { parameters: params }),
      ...(r.body === undefined ? {} : { requestBody: { required: r.body.required, content: json(ref(r.body.schema)) } }),
      responses: { ...ok, ...errorResponses({ ...r.errors, 403: OPS_ERRORS[403], 429: OPS_ERRORS[429], 500: OPS_ERRORS[500] }) },
    };
    paths[r.path] = entry;
  }
  return paths;
}
