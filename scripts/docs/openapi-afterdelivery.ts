/** docs/openapi.json: the ops routes of delivery exceptions, carrier claims and supplier scorecards (issue 15). */
import { MAX_BODY_BYTES } from '../../functions/core/runtime/http';
import { CarrierClaimView, ClaimsQuery, ClaimsResponse, CloseClaimRequest, DeliveryDecisionResponse, RefundDecisionRequest, ReshipRequest, ScorecardResponse } from '../../functions/core/deliveries/schemas/ops';
import { type JsonObject, components, errorResponses, json, OPS_ERRORS, OPS_SERVERS, orderIdParameter, queryParameters, ref } from './openapi-parts';

export function afterDeliverySchemas(): Record<string, JsonObject> {
  return {
    ...components({ ReshipRequest, RefundDecisionRequest, CloseClaimRequest }, 'input'),
    ...components({ DeliveryDecisionResponse, ClaimsResponse, CarrierClaimView, ScorecardResponse }, 'output'),
  };
}

const fulfillmentIdParameter = { name: 'fulfillmentId', in: 'path', required: true, schema: { type: 'string', pattern: '^ful_[0-9a-hjkmnp-tv-z]{26}_\\d{2,4}$' } };
const claimIdParameter = { name: 'claimId', in: 'path', required: true, schema: { type: 'string', pattern: '^clm_[0-9a-hjkmnp-tv-z]{26}_\\d{2,4}$' } };
const supplierIdParameter = { name: 'supplierId', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{1,62}$' } };

const bodyErrors = (what: string, extra: Record<number, string>) =>
  errorResponses({
    400: `Malformed ${what}, or a body that is not valid JSON`,
    403: OPS_ERRORS[403],
    ...extra,
    413: `Body larger than ${MAX_BODY_BYTES} bytes`,
    415: 'A body was sent and Content-Type is not application/json',
    422: 'Body is JSON but invalid (an unknown field, a bad value): one issue per field',
    429: OPS_ERRORS[429],
    500: OPS_ERRORS[500],
  });

// Long: the routes as one literal.
export function afterDeliveryPaths(): Record<string, JsonObject> {
  const decision = (which: 'reship' | 'refund') => ({
    servers: OPS_SERVERS,
    post: {
      operationId: which === 'reship' ? 'reshipFulfillment' : 'refundFulfillment',
      tags: ['Ops'],
      summary: which === 'reship' ? 'Reship a fulfillment with a delivery exception: a new fulfillment, stock reserved, purchase order sent' : 'Refund the lines of a fulfillment with a delivery exception instead of reshipping',
      description:
        'Decides a delivery exception (ATTEMPTED_DELIVERY, READY_FOR_PICKUP, FAILURE, RETURNING_TO_SENDER, LOST_IN_TRANSIT), audited on the timeline (DeliveryExceptionResolved with the operator). Idempotent: the same decision again answers the recorded one. A lost parcel gets its carrier claim (`claimId`). See docs/delivery-exceptions.md.',
      security: [{ OpsApiKey: [] }],
      parameters: [orderIdParameter, fulfillmentIdParameter],
      requestBody: { required: false, content: json(ref(which === 'reship' ? 'ReshipRequest' : 'RefundDecisionRequest')) },
      responses: {
        '200': { description: 'The decision, with the replacement fulfillments (reship) or the refund requested (refund)', content: json(ref('DeliveryDecisionResponse')) },
        ...bodyErrors('order or fulfillment id', {
          404: 'No such fulfillment on this order',
          409: which === 'reship' ? 'No open delivery exception, decided otherwise already, or no supplier can reship the lines now (issues name the routing codes per line)' : 'No open delivery exception, or reshipped already',
        }),
      },
    },
  });
  return {
    '/ops/orders/{orderId}/fulfillments/{fulfillmentId}/reship': decision('reship'),
    '/ops/orders/{orderId}/fulfillments/{fulfillmentId}/refund': decision('refund'),
    '/ops/claims': {
      servers: OPS_SERVERS,
      get: {
        operationId: 'listClaims',
        tags: ['Ops'],
        summary: 'Open carrier claims of lost parcels, nearest filing deadline first',
        security: [{ OpsApiKey: [] }],
        parameters: queryParameters(ClaimsQuery),
        responses: {
          '200': { description: 'Open claims', content: json(ref('ClaimsResponse')) },
          ...errorResponses({ 403: OPS_ERRORS[403], 422: 'Query string is invalid (`limit` outside 1-100, unknown parameter)', 429: OPS_ERRORS[429], 500: OPS_ERRORS[500] }),
        },
      },
    },
    '/ops/claims/{claimId}/close': {
      servers: OPS_SERVERS,
      post: {
        operationId: 'closeClaim',
        tags: ['Ops'],
        summary: 'Close a carrier claim with its outcome (audited on the order timeline: CarrierClaimClosed)',
        security: [{ OpsApiKey: [] }],
        parameters: [claimIdParameter],
        requestBody: { required: true, content: json(ref('CloseClaimRequest')) },
        responses: {
          '200': { description: 'The closed claim (the same answer when closed again with the same outcome)', content: json(ref('CarrierClaimView')) },
          ...bodyErrors('claim id', { 404: 'No such claim', 409: 'Closed already with another outcome' }),
        },
      },
    },
    '/ops/suppliers/{supplierId}/scorecard': {
      servers: OPS_SERVERS,
      get: {
        operationId: 'supplierScorecard',
        tags: ['Ops'],
        summary: 'Supplier scorecard: rolling 30 and 90 days (acceptance p50/p90, on-time ship, rejection, cancellation, invalid tracking, late delivery, returns by reason)',
        description: 'From the daily aggregates (docs/scorecards.md); `demotion` is set while routing moves the supplier down (stage threshold).',
        security: [{ OpsApiKey: [] }],
        parameters: [supplierIdParameter],
        responses: {
          '200': { description: 'The scorecard', content: json(ref('ScorecardResponse')) },
          ...errorResponses({ 400: 'Malformed supplier id', 403: OPS_ERRORS[403], 404: 'No such supplier', 429: OPS_ERRORS[429], 500: OPS_ERRORS[500] }),
        },
      },
    },
  };
}
