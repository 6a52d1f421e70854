/** docs/openapi.json: the returns routes (POST /orders/{orderId}/returns, …/returns/{returnId}/refund, POST /ops/returns/{returnId}/authorize | close). */
import { MAX_BODY_BYTES } from '../../functions/core/runtime/http';
import { AuthorizeReturnRequest, CloseReturnRequest, CloseReturnResponse, ConfirmReturnRefundRequest, ReceiveReturnRequest, CreateReturnRequest, CreateReturnResponse, ReturnNotAllowed, ReturnView } from '../../functions/core/returns/schemas/returns';
import { RETURN_ID_PATTERN } from '../../functions/core/returns/domain/returns';
import { type JsonObject, API_ERRORS, components, errorResponses, json, orderIdParameter, ref } from './openapi-parts';
import { OPS_ERRORS, OPS_SERVERS } from './openapi-ops';

export function returnsSchemas(): Record<string, JsonObject> {
  return {
    ...components({ CreateReturnRequest, AuthorizeReturnRequest, CloseReturnRequest, ConfirmReturnRefundRequest, ReceiveReturnRequest }, 'input'),
    ...components({ CreateReturnResponse, ReturnNotAllowed, ReturnView, CloseReturnResponse }, 'output'),
  };
}

export function returnsPaths(): Record<string, JsonObject> {
  return {
    '/orders/{orderId}/returns': {
      post: {
        operationId: 'createReturn',
        tags: ['Orders'],
        summary: 'Return delivered units (checked against the channel\'s return policy; the supplier is asked for an RMA)',
        description:
          "This channel's orders only; `Idempotency-Key` required (same key and body: the same answer with `Idempotent-Replayed: true`; same key, other body: 409). The return policy (cdk.json `returns`) decides: window in days from delivery, final-sale SKUs, units delivered minus units already in returns. One return covers the units of one shipment (one supplier). The return then moves REQUESTED → AUTHORIZED | REJECTED → IN_TRANSIT → RECEIVED → REFUND_REQUESTED → CLOSED as the supplier answers; `returns[]` in GET /orders/{orderId} shows it. Under the supplier's \"keep it\" threshold the refund is requested at once (status REFUND_REQUESTED, resolution keep_it).",
        security: [{ ApiKey: [] }],
        parameters: [orderIdParameter, { name: 'Idempotency-Key', in: 'header', required: true, schema: { type: 'string', minLength: 1, maxLength: 255 } }],
        requestBody: { required: true, content: json(ref('CreateReturnRequest')) },
        responses: {
          '201': { description: 'The return was recorded (REQUESTED; AUTHORIZED when returns go to the retailer; REFUND_REQUESTED for keep it)', content: json(ref('CreateReturnResponse')) },
          '422': { description: 'RETURN_NOT_ALLOWED with the `rule` that refused it (or a body that is JSON but invalid: ErrorResponse naming the field)', content: json(ref('ReturnNotAllowed')) },
          ...errorResponses({
            400: 'Malformed order id, missing Idempotency-Key, empty or malformed JSON',
            403: API_ERRORS[403],
            404: "No such order for this channel (another channel's order is indistinguishable from a missing one)",
            409: 'The Idempotency-Key was used with another body',
            413: `Body larger than ${MAX_BODY_BYTES} bytes`,
            415: 'Content-Type is not application/json',
            429: API_ERRORS[429],
            500: API_ERRORS[500],
          }),
        },
      },
    },
    '/ops/returns/{returnId}/authorize': {
      servers: OPS_SERVERS,
      post: {
        operationId: 'authorizeReturn',
        tags: ['Ops'],
        summary: "Authorize a return on the supplier's behalf (it stayed silent: RETURN_UNANSWERED in /ops/exceptions)",
        description: 'REQUESTED → AUTHORIZED with the given RMA (default OPS-…), timeline ReturnAuthorized by the operator. An already authorized return answers as it is (`changed: false`); a rejected one is 409.',
        security: [{ OpsIam: [] }],
        parameters: [{ name: 'returnId', in: 'path', required: true, schema: { type: 'string', pattern: RETURN_ID_PATTERN.source } }],
        requestBody: { required: false, content: json(ref('AuthorizeReturnRequest')) },
        responses: {
          '200': {
            description: 'Authorized (or already was)',
            content: json({
              type: 'object',
              properties: { returnId: { type: 'string' }, orderId: { type: 'string' }, status: { type: 'string' }, rma: { type: 'string' }, changed: { type: 'boolean' } },
              required: ['returnId', 'orderId', 'status', 'rma', 'changed'],
            }),
          },
          ...errorResponses({
            400: 'Malformed return id or JSON',
            403: OPS_ERRORS[403],
            404: 'No such return',
            409: 'The return was rejected (only a REQUESTED return can be authorized)',
            422: 'Body is JSON but invalid (unknown field)',
            429: OPS_ERRORS[429],
            500: OPS_ERRORS[500],
          }),
        },
      },
    },
    '/orders/{orderId}/returns/{returnId}/refund': {
      post: {
        operationId: 'confirmReturnRefund',
        tags: ['Orders'],
        summary: 'The storefront refunded a return: REFUND_REQUESTED → CLOSED',
        description:
          "For storefronts without a refund webhook the pipeline reads (Shopify refunds/create and WooCommerce refunds close returns by themselves when the refund covers the return's lines or amount). This channel's returns only; `Idempotency-Key` required (the default refund id). Timeline ReturnClosed (actor retailer), the `return.closed` notification. Again: 200 with `changed: false`. Unconfirmed after the policy's `refundConfirmWithinHours`, the return is listed as RETURN_REFUND_UNCONFIRMED in /ops/exceptions.",
        security: [{ ApiKey: [] }],
        parameters: [
          orderIdParameter,
          { name: 'returnId', in: 'path', required: true, schema: { type: 'string', pattern: RETURN_ID_PATTERN.source } },
          { name: 'Idempotency-Key', in: 'header', required: true, schema: { type: 'string', minLength: 1, maxLength: 255 } },
        ],
        requestBody: { required: false, content: json(ref('ConfirmReturnRefundRequest')) },
        responses: {
          '200': { description: 'CLOSED (or already was: `changed: false`)', content: json(ref('CloseReturnResponse')) },
          ...errorResponses({
            400: 'Malformed order or return id, missing Idempotency-Key, malformed JSON',
            403: API_ERRORS[403],
            404: "No such return on this order for this channel",
            409: 'The return is not REFUND_REQUESTED (its refund was not requested yet, or it was rejected)',
            413: `Body larger than ${MAX_BODY_BYTES} bytes`,
            415: 'Content-Type is not application/json',
            422: 'Body is JSON but invalid (unknown field)',
            429: API_ERRORS[429],
            500: API_ERRORS[500],
          }),
        },
      },
    },
    '/ops/returns/{returnId}/receive': {
      servers: OPS_SERVERS,
      post: {
        operationId: 'receiveReturn',
        tags: ['Ops'],
        summary: "Confirm a return parcel arrived (a return sent to the retailer's own address, or a supplier that confirmed outside its channel)",
        description: "AUTHORIZED or IN_TRANSIT → RECEIVED with the condition of every line, applied like the supplier's RETURN_RECEIVED (the refund is computed and requested, or the exchange settles); timeline ReturnReceived with the operator's actorId. Again: `changed: false`.",
        security: [{ OpsIam: [] }],
        parameters: [{ name: 'returnId', in: 'path', required: true, schema: { type: 'string', pattern: RETURN_ID_PATTERN.source } }],
        requestBody: { required: true, content: json(ref('ReceiveReturnRequest')) },
        responses: {
          '200': { description: 'RECEIVED and what followed (REFUND_REQUESTED, CLOSED), or already received: `changed: false`', content: json({ type: 'object', required: ['returnId', 'orderId', 'status', 'changed'], properties: { returnId: { type: 'string' }, orderId: { type: 'string' }, status: { type: 'string' }, changed: { type: 'boolean' } } }) },
          ...errorResponses({
            400: 'Malformed return id or JSON',
            403: OPS_ERRORS[403],
            404: 'No such return',
            409: 'The return is not AUTHORIZED or IN_TRANSIT (still REQUESTED, or REJECTED)',
            422: 'Body is JSON but invalid, or its lines do not name every line of the return once',
            429: OPS_ERRORS[429],
            500: OPS_ERRORS[500],
          }),
        },
      },
    },
    '/ops/returns/{returnId}/close': {
      servers: OPS_SERVERS,
      post: {
        operationId: 'closeReturn',
        tags: ['Ops'],
        summary: "Close a refund return whose refund was settled outside the storefront (RETURN_REFUND_UNCONFIRMED in /ops/exceptions)",
        description: 'REFUND_REQUESTED → CLOSED with the operator\'s note (kept on the return, not in events), timeline ReturnClosed with the operator\'s actorId, the `return.closed` notification. Again: `changed: false`; another status is 409.',
        security: [{ OpsIam: [] }],
        parameters: [{ name: 'returnId', in: 'path', required: true, schema: { type: 'string', pattern: RETURN_ID_PATTERN.source } }],
        requestBody: { required: true, content: json(ref('CloseReturnRequest')) },
        responses: {
          '200': { description: 'CLOSED (or already was)', content: json(ref('CloseReturnResponse')) },
          ...errorResponses({
            400: 'Malformed return id or JSON',
            403: OPS_ERRORS[403],
            404: 'No such return',
            409: 'The return is not REFUND_REQUESTED',
            422: 'Body is JSON but invalid (no note, unknown field)',
            429: OPS_ERRORS[429],
            500: OPS_ERRORS[500],
          }),
        },
      },
    },
  };
}
