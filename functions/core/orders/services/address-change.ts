/**
 * Changing an order's shipping address (POST /orders/{orderId}/address, Shopify orders/updated,
 * WooCommerce order.updated). One service for every source:
 *
 * - the new address is validated as POST /orders validates it: still invalid → 422 naming the field;
 * - before dispatch (nothing at a supplier): the order takes the address; an order held
 *   INCORRECT_ADDRESS goes back to RECEIVED and its AwaitHoldDecision state is resumed (APPROVE
 *   through the stored hold token), so ValidateAndRoute validates and routes it again;
 * - dispatched but not shipped: the order takes the address and each open purchase order is amended
 *   (PURCHASE_ORDER_AMENDED, same PO number, revision n) through the `amendPurchaseOrder` port;
 * - shipped, delivered, cancelled or rejected → 409.
 * One transaction per change (order + AddressChanged [+ OrderReleased] timeline events). The same
 * address again changes nothing (idempotent); with an Idempotency-Key, the same key with another
 * address is a 409.
 */
import { normalizeAddress, validateAddress } from '../../kernel/address';
import { ConflictError, NotFoundError, ValidationError, type FieldIssue } from '../../kernel/errors';
import { canonicalJson } from '../../kernel/request-hash';
import type { Address } from '../../kernel/values';
import type { Actor } from '../../events/domain/events';
import { TimelineBatch } from '../../events/store/timeline';
import { transact } from '../../runtime/table/transactions';
import type { FulfillmentRecord } from '../../workflow/domain/fulfillment-record';
import { loadOrderAggregate, nextOrder, putOrderUpdate } from '../../workflow/store/order-aggregate';
import { resumeHoldDecision, type HoldDeps } from '../../workflow/services/hold-decisions';
import { RETRY, optimistic } from '../../workflow/services/workflow-common';
import type { WorkflowOrder } from '../domain/order';

export type AddressChangeSource = 'api' | 'shopify' | 'woocommerce' | 'operator';

/** Sends the amended purchase order of one dispatched fulfillment (suppliers/services/po-amendment.ts). */
export type AmendPurchaseOrder = (input: {
  readonly order: WorkflowOrder;
  readonly fulfillment: FulfillmentRecord;
  readonly revision: number;
  readonly issuedAt: Date;
}) => Promise<void>;

export interface AddressChangeDeps extends HoldDeps {
  readonly amendPurchaseOrder: AmendPurchaseOrder;
}

export interface AddressChangeInput {
  readonly channelId: string;
  readonly orderId: string;
  readonly address: Address;
  readonly source: AddressChangeSource;
  /** The Idempotency-Key of an API request (replay answers the same; another address under it is a 409). */
  readonly idempotencyKey?: string | undefined;
}

export interface AddressChangeResult {
  readonly orderId: string;
  readonly status: WorkflowOrder['status'];
  /** false: the order already had this address (a repeat). */
  readonly changed: boolean;
  readonly stage: 'BEFORE_DISPATCH' | 'DISPATCHED';
  readonly releasedHold: boolean;
  /** Purchase orders amended at suppliers (dispatched stage). */
  readonly amendedFulfillments: readonly string[];
  /** Whether the waiting workflow was resumed now (false: it resumes itself when it stores its token). */
  readonly resumed: boolean;
}

/** Fulfillment statuses whose parcel left (or was lost after leaving): the address can no longer change. */
const SHIPPED_STATUSES: ReadonlySet<string> = new Set(['SHIPPED', 'IN_TRANSIT', 'DELIVERED', 'EXCEPTION']);
/** At a supplier and not shipped: the purchase order is amended. */
const OPEN_AT_SUPPLIER: ReadonlySet<string> = new Set(['DISPATCHED', 'ACCEPTED']);

const ACTOR: Readonly<Record<AddressChangeSource, Actor>> = { api: 'retailer', shopify: 'retailer', woocommerce: 'retailer', operator: 'operator' };

const sameAddress = (a: Address, b: Address): boolean => canonicalJson(a) === canonicalJson(b);

/** 422 naming the fields of the address (paths relative to `under`). */
export function assertValidAddress(address: Address, under = ''): void {
  const issues: FieldIssue[] = validateAddress(address).map((issue) => ({ path: under === '' ? issue.path : `${under}.${issue.path}`, message: issue.message }));
  if (issues.length > 0) throw new ValidationError('The address is not valid', { issues });
}

interface Planned {
  readonly order: WorkflowOrder;
  readonly changed: boolean;
  readonly stage: AddressChangeResult['stage'];
  readonly releasedHold: boolean;
  readonly amend: readonly FulfillmentRecord[];
}

// Long: the stage decision and the one transaction, in the order the module comment lists them.
export async function changeShippingAddress(deps: AddressChangeDeps, input: AddressChangeInput): Promise<AddressChangeResult> {
  const address = normalizeAddress(input.address);
  assertValidAddress(address);
  const requestHash = canonicalJson(address);
  const planned = await optimistic('ChangeAddress', async (): Promise<Planned | typeof RETRY> => {
    const aggregate = await loadOrderAggregate(deps.store, input.orderId);
    if (aggregate === undefined || aggregate.order.channelId !== input.channelId) {
      throw new NotFoundError('Order not found', { issues: [{ path: 'pathParameters.orderId', message: 'no such order for this channel' }] });
    }
    const current = aggregate.order;
    const last = current.lastAddressChange;
    if (input.idempotencyKey !== undefined && last?.idempotencyKey === input.idempotencyKey && last.requestHash !== requestHash) {
      throw new ConflictError('Idempotency-Key was used with another address', { issues: [{ path: 'headers.idempotency-key', message: 'was already used with a different body' }] });
    }
    const stage = aggregate.fulfillments.some((f) => OPEN_AT_SUPPLIER.has(f.status)) ? 'DISPATCHED' : 'BEFORE_DISPATCH';
    if (sameAddress(current.shippingAddress, address) && current.holdReason !== 'INCORRECT_ADDRESS') {
      // A repeat: nothing to write. Amendments are sent again (same message ids: suppliers dedupe), in
      // case the first attempt failed after its transaction; a released hold is resumed again.
      const amend = stage === 'DISPATCHED' && current.addressRevision !== undefined ? aggregate.fulfillments.filter((f) => OPEN_AT_SUPPLIER.has(f.status)) : [];
      return { order: current, changed: false, stage, releasedHold: current.holdRelease?.holdReason === 'INCORRECT_ADDRESS' && current.status === 'RECEIVED', amend };
    }
    if (current.status === 'CANCELLED' || current.status === 'REJECTED' || current.status === 'DELIVERED') {
      throw new ConflictError(`Order is ${current.status}`, { issues: [{ path: 'pathParameters.orderId', message: `is ${current.status}: its address can no longer change` }] });
    }
    if (current.status === 'SHIPPED' || current.status === 'PARTIALLY_SHIPPED' || aggregate.fulfillments.some((f) => SHIPPED_STATUSES.has(f.status))) {
      throw new ConflictError('Order has shipped', { issues: [{ path: 'pathParameters.orderId', message: 'has (partly) shipped: the address can no longer change' }] });
    }
    const at = deps.now().toISOString();
    const releasesHold = current.status === 'ON_HOLD' && current.holdReason === 'INCORRECT_ADDRESS';
    const amend = stage === 'DISPATCHED' ? aggregate.fulfillments.filter((f) => OPEN_AT_SUPPLIER.has(f.status)) : [];
    const actor = ACTOR[input.source];
    const timeline = new TimelineBatch(current.orderId, current.channelId, at).add({
      type: 'AddressChanged',
      actor,
      message: `Shipping address changed (${input.source}${stage === 'DISPATCHED' ? `, purchase order amended at ${amend.length} supplier${amend.length === 1 ? '' : 's'}` : ''})`,
      data: { source: input.source, country: address.country, stage, ...(releasesHold ? { releasedHold: true } : {}) },
    });
    if (releasesHold) {
      timeline.add({ type: 'OrderReleased', actor, message: 'Address corrected: the order is validated again', data: { holdReason: 'INCORRECT_ADDRESS', decision: 'APPROVE' } });
    }
    const next = nextOrder(
      current,
      {
        shippingAddress: address,
        ...(input.idempotencyKey === undefined ? {} : { lastAddressChange: { idempotencyKey: input.idempotencyKey, requestHash } }),
        ...(stage === 'DISPATCHED' ? { addressRevision: (current.addressRevision ?? 0) + 1 } : {}),
        ...(releasesHold
          ? {
              status: 'RECEIVED' as const,
              holdReason: undefined,
              holdExpiresAt: undefined,
              addressIssues: undefined,
              rejectionReasons: undefined,
              holdRelease: { decision: 'APPROVE' as const, actor, holdReason: 'INCORRECT_ADDRESS' as const, at },
            }
          : {}),
      },
      at,
    );
    const outcome = await transact(deps.store, [putOrderUpdate(deps.store, next, current.version), ...timeline.items(deps.store)]);
    if (!outcome.ok) return RETRY;
    deps.logger.info('Shipping address changed', { orderId: current.orderId, source: input.source, stage, releasedHold: releasesHold, country: address.country });
    return { order: next, changed: true, stage, releasedHold: releasesHold, amend };
  });

  const issuedAt = deps.now();
  for (const fulfillment of planned.amend) {
    await deps.amendPurchaseOrder({ order: planned.order, fulfillment, revision: planned.order.addressRevision ?? 1, issuedAt });
  }
  const resumed = planned.releasedHold ? await resumeHoldDecision(deps, planned.order.orderId, { decision: 'APPROVE' }) : false;
  return {
    orderId: planned.order.orderId,
    status: planned.order.status,
    changed: planned.changed,
    stage: planned.stage,
    releasedHold: planned.releasedHold,
    amendedFulfillments: planned.amend.map((f) => f.fulfillmentId),
    resumed,
  };
}
