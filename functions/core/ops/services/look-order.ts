/**
 * GET /ops/orders/{orderId}: the order (the storefront view, customer contact included: operators may see
 * it, it is never logged), its timeline with actors, the workflow execution and definition, fulfillments,
 * documents (with the ops route that serves each), storefront deliveries and returns.
 */
import type { Clock } from '../../kernel/clock';
import { NotFoundError } from '../../kernel/errors';
import { getOrderView } from '../../orders/store/orders';
import { toOrderViewResponse } from '../../orders/services/order-response';
import type { StoreContext } from '../../runtime/table/context';
import type { FulfillmentDocuments } from '../../workflow/domain/fulfillment-status';
import type { DeliveryView, DocumentKind, DocumentRef, OrderLookResponse } from '../schemas/look';
import { readDeliveries } from '../../notifications/store/notification-state';
import { listReturns } from '../../returns/store/returns';
import { describeOrderExecution, stateMachineDefinition, type ExecutionDeps } from './execution';
import { returnSummary } from './list-returns';

export interface LookDeps {
  readonly store: StoreContext;
  readonly execution: ExecutionDeps;
  readonly now: Clock;
}

const DOCUMENT_FIELDS: ReadonlyArray<readonly [keyof FulfillmentDocuments, DocumentKind]> = [
  ['packingSlipKey', 'packing-slip'],
  ['purchaseOrderKey', 'purchase-order'],
  ['cancellationKey', 'cancellation'],
];

/** `{fulfillmentId}.{kind}`: the document id of the ops documents route. */
export function documentId(fulfillmentId: string, kind: DocumentKind): string {
  return `${fulfillmentId}.${kind}`;
}

export function documentsOf(orderId: string, fulfillments: readonly Record<string, unknown>[]): DocumentRef[] {
  const out: DocumentRef[] = [];
  for (const f of fulfillments) {
    const docs = (typeof f.documents === 'object' && f.documents !== null ? f.documents : {}) as FulfillmentDocuments;
    if (typeof f.fulfillmentId !== 'string' || typeof f.supplierId !== 'string') continue;
    for (const [field, kind] of DOCUMENT_FIELDS) {
      const key = docs[field];
      if (typeof key !== 'string') continue;
      const id = documentId(f.fulfillmentId, kind);
      out.push({ documentId: id, kind, supplierId: f.supplierId, fulfillmentId: f.fulfillmentId, key, href: `/ops/orders/${orderId}/documents/${id}` });
    }
  }
  return out;
}

/** The order's storefront notifications from its delivery ledger (NOTIFY#{orderId} / #LEDGER): numbers and attempts. */
export async function deliveriesOf(store: StoreContext, orderId: string): Promise<DeliveryView[]> {
  const ledger = await readDeliveries(store, orderId);
  return ledger.events
    .map((e): DeliveryView => {
      const last = e.attempts.at(-1);
      const failed = [...e.attempts].reverse().find((a) => a.result !== 'DELIVERED');
      const status = last?.result ?? (e.sequence !== undefined && e.sequence <= ledger.sentSeq ? 'DELIVERED' : 'SEQUENCED');
      return {
        notificationId: `${orderId}#${e.sequence ?? '-'}`,
        ...(e.sequence === undefined ? {} : { sequence: e.sequence }),
        type: last?.type ?? 'Unknown',
        status,
        attempts: e.attempts.length,
        ...(failed?.error === undefined ? {} : { lastError: failed.error }),
        ...(last?.result === 'FAILED' && last.nextRetryAt !== undefined ? { nextRetryAt: last.nextRetryAt } : {}),
        at: last?.at ?? '',
        history: e.attempts.map((a) => ({
          n: a.n,
          at: a.at,
          result: a.result,
          ...(a.status === undefined ? {} : { status: a.status }),
          ...(a.error === undefined ? {} : { error: a.error }),
          ...(a.nextRetryAt === undefined ? {} : { nextRetryAt: a.nextRetryAt }),
        })),
      };
    })
    .sort((a, b) => (a.sequence ?? Number.MAX_SAFE_INTEGER) - (b.sequence ?? Number.MAX_SAFE_INTEGER) || a.at.localeCompare(b.at));
}

export async function lookOrder(deps: LookDeps, orderId: string): Promise<OrderLookResponse> {
  const view = await getOrderView(deps.store, orderId);
  if (view === undefined) throw new NotFoundError('Order not found', { issues: [{ path: 'pathParameters.orderId', message: `no order ${orderId}` }] });
  const order = toOrderViewResponse(view.order, view.timeline, view.fulfillments);
  const [execution, definition, deliveries, returns] = await Promise.all([
    describeOrderExecution(deps.execution, orderId),
    stateMachineDefinition(deps.execution),
    deliveriesOf(deps.store, orderId),
    listReturns(deps.store, orderId),
  ]);
  const now = deps.now().toISOString();
  return {
    order,
    timeline: order.timeline,
    execution,
    stateMachineDefinition: definition,
    fulfillments: order.fulfillments,
    documents: documentsOf(orderId, view.fulfillments),
    deliveries,
    returns: returns.map((r) => returnSummary(r, view.order.currency, now)),
  };
}
