/**
 * The validation and screening half of the ValidateAndRoute task (reserve-and-route.ts runs the other
 * half in the same invocation when this one answers CONTINUE). Re-entrant from the stored order.
 *
 * RECEIVED  → validate (catalog, address, shipping zone, stock) → REJECTED (reasons per line) or
 *             VALIDATED (an address a person can fix only: ON_HOLD INCORRECT_ADDRESS), then the
 *             payment gate + fraud screen → ON_HOLD (AWAITING_PAYMENT /
 *             HIGH_RISK_OF_FRAUD / OPERATOR_HOLD) or CONTINUE. One transaction per decision, with its
 *             timeline events (OrderValidated [+ OrderOnHold] | OrderRejected).
 * VALIDATED → screened and accepted, or released by an operator → CONTINUE; otherwise (released by a
 *             payment update) screened again.
 * ON_HOLD   → HOLD again (with the time left).  RESERVED and later → CONTINUE.  Terminal → DONE.
 */
import { addressFingerprint, addressVelocityWindowStart, fraudInputFromOrder, screenOrder } from '../../orders/domain/fraud';
import { addressIssueCode, classifyAddressIssues, validateAddress } from '../../kernel/address';
import { routeOrder } from '../domain/routing';
import type { AddressIssue, HoldReason, OrderRejectionReason, OrderScreening, WorkflowOrder } from '../../orders/domain/order';
import type { Product, SupplierOffer } from '../../inventory/domain/catalog';
import type { Supplier } from '../../suppliers/domain/supplier';
import { WorkflowStateError } from '../../kernel/errors';
import type { ScreenResult } from '../schemas/workflow';
import { countRecentOrdersToAddress, putAddressUse } from '../../orders/store/address-uses';
import { getChannel, loadRoutingCatalog, type RoutingCatalog } from '../../inventory/store/catalog';
import { getWorkflowOrder, nextOrder, putOrderUpdate } from '../store/order-aggregate';
import { TimelineBatch } from '../../events/store/timeline';
import { onlyContention, transact, type TransactItem } from '../../runtime/table/transactions';
import { RETRY, optimistic, type WorkflowDeps } from './workflow-common';
import { MAX_TIMEOUT_SECONDS, secondsUntil, type WorkflowSettings } from './workflow-settings';

/** Flags (set at intake) that reject the order outright. */
export const REJECTING_FLAGS: readonly string[] = ['CANCELLED_AT_SOURCE', 'TEST_ORDER'];
/** Flags an operator must look at before the order proceeds (OPERATOR_HOLD). */
export const REVIEW_FLAGS: readonly string[] = ['TOTALS_MISMATCH', 'CURRENCY_MISMATCH'];

export interface CatalogView {
  readonly products: ReadonlyMap<string, Product>;
  readonly offers: readonly SupplierOffer[];
  readonly suppliers: readonly Supplier[];
}

/**
 * Pure: the shipping address problems a person can fix (customer, storefront or operator), as the
 * INCORRECT_ADDRESS hold records them (field + code, never the value).
 */
export function correctableAddressIssues(order: Pick<WorkflowOrder, 'shippingAddress'>): AddressIssue[] {
  const { correctable } = classifyAddressIssues(validateAddress(order.shippingAddress));
  return correctable.map((issue) => ({ field: `shippingAddress.${issue.path}`, code: addressIssueCode(issue), message: issue.message }));
}

/** Pure: every reason the order cannot be fulfilled (empty = valid). */
export function validateOrder(order: WorkflowOrder, catalog: CatalogView, now: string, settings: Pick<WorkflowSettings, 'routing'>): OrderRejectionReason[] {
  const reasons: OrderRejectionReason[] = [];
  for (const flag of order.flags) {
    if (REJECTING_FLAGS.includes(flag.code)) reasons.push({ code: flag.code, detail: flag.message, ...(flag.lineNo === undefined ? {} : { lineNo: flag.lineNo }) });
  }
  const addressIssues = validateAddress(order.shippingAddress);
  for (const issue of addressIssues) {
    reasons.push({ code: 'ADDRESS_INVALID', detail: `shippingAddress.${issue.path} ${issue.message}` });
  }
  const routable = order.lines.filter((line) => {
    if (line.sku.trim() === '') {
      reasons.push({ lineNo: line.lineNo, code: 'LINE_WITHOUT_SKU', detail: 'the line has no SKU' });
      return false;
    }
    const product = catalog.products.get(line.sku);
    if (product === undefined) {
      reasons.push({ lineNo: line.lineNo, code: 'UNKNOWN_SKU', detail: `SKU ${line.sku} is not in the catalog` });
      return false;
    }
    if (!product.active) {
      reasons.push({ lineNo: line.lineNo, code: 'INACTIVE_SKU', detail: `SKU ${line.sku} is not for sale` });
      return false;
    }
    return true;
  });
  // Routing needs a usable destination: with address problems it runs again after the correction.
  if (routable.length > 0 && addressIssues.length === 0) {
    const allocation = routeOrder(
      {
        lines: routable.map((l) => ({ lineNo: l.lineNo, sku: l.sku, quantity: l.quantity, unitPriceMinor: l.unitPriceMinor })),
        destination: { country: order.shippingAddress.country, postcode: order.shippingAddress.postcode },
        // Stock held by other orders is the reservation's question (OUT_OF_STOCK: cancelled, refund
        // requested), not a validation failure: validating against it REJECTED orders that merely
        // lost a race for the last units, depending on when they were validated.
        offers: catalog.offers.map((offer) => ({ ...offer, reserved: 0 })),
        suppliers: catalog.suppliers,
        now,
        orderedAt: order.createdAt,
        currency: order.currency,
      },
      settings.routing,
    );
    for (const line of allocation.unservable) {
      for (const reason of line.reasons) reasons.push({ lineNo: line.lineNo, code: reason.code, detail: reason.detail });
    }
  }
  return reasons.sort((a, b) => (a.lineNo ?? 0) - (b.lineNo ?? 0));
}

interface ScreenDecision {
  readonly screening: OrderScreening;
  readonly holdReason?: HoldReason | undefined;
  readonly holdExpiresAt?: string | undefined;
  readonly explanation: string;
  readonly rules: readonly { readonly rule: string; readonly points: number; readonly explanation: string }[];
}

/**
 * Pure: whether the validation reasons are all about the shipping address and a person can fix them:
 * then the order is held INCORRECT_ADDRESS (corrected through POST /orders/{orderId}/address or the
 * platform's order-updated webhook) instead of REJECTED.
 */
export function isAddressHold(reasons: readonly OrderRejectionReason[], issues: readonly AddressIssue[]): boolean {
  return issues.length > 0 && reasons.every((r) => r.code === 'ADDRESS_INVALID');
}

function holdHours(reason: HoldReason, settings: WorkflowSettings): number {
  // A hold after a workflow failure waits for an operator and never expires into a cancellation: the
  // execution's own timeout ends first, leaving the order ON_HOLD with its exception mark.
  if (reason === 'TRANSIENT_FAILURE') return MAX_TIMEOUT_SECONDS / 3600;
  if (settings.holdTimeoutHours !== undefined) return settings.holdTimeoutHours;
  // INCORRECT_ADDRESS waits as long as a review: someone has to reach the customer.
  return reason === 'AWAITING_PAYMENT' ? settings.fraud.paymentHoldHours : settings.fraud.reviewHoldHours;
}

async function screen(deps: WorkflowDeps, order: WorkflowOrder, now: Date): Promise<ScreenDecision & { readonly fingerprint: string }> {
  const nowIso = now.toISOString();
  const fingerprint = addressFingerprint(order.shippingAddress);
  const [channel, recent] = await Promise.all([
    getChannel(deps.store, order.channelId),
    countRecentOrdersToAddress(deps.store, fingerprint, addressVelocityWindowStart(nowIso, deps.settings.fraud), order.orderId),
  ]);
  const expiresIn = (reason: HoldReason): string => new Date(now.getTime() + holdHours(reason, deps.settings) * 3_600_000).toISOString();
  const review = order.reviewApprovedAt === undefined ? order.flags.filter((f) => REVIEW_FLAGS.includes(f.code)).map((f) => f.code) : [];
  if (review.length > 0) {
    return {
      fingerprint,
      screening: { decision: 'HOLD_REVIEW', score: 0, rules: review, at: nowIso },
      holdReason: 'OPERATOR_HOLD',
      holdExpiresAt: expiresIn('OPERATOR_HOLD'),
      explanation: `Held for an operator: ${review.join(', ')}`,
      rules: [],
    };
  }
  const result = screenOrder(
    fraudInputFromOrder(order, channel ?? { typicalOrderValueMinor: 0, currency: order.currency }, recent, nowIso),
    deps.settings.fraud,
  );
  const rules = result.triggered.map((r) => ({ rule: r.rule, points: r.points, explanation: r.explanation }));
  const screening: OrderScreening = { decision: result.decision, score: result.score, rules: result.triggered.map((r) => r.rule), at: nowIso };
  if (result.decision === 'ACCEPT') return { fingerprint, screening, explanation: `Screened: score ${result.score}`, rules };
  const holdReason = result.holdReason ?? (result.decision === 'HOLD_PAYMENT' ? 'AWAITING_PAYMENT' : 'HIGH_RISK_OF_FRAUD');
  return {
    fingerprint,
    screening,
    holdReason,
    holdExpiresAt: expiresIn(holdReason),
    explanation:
      holdReason === 'AWAITING_PAYMENT'
        ? `Waiting for payment (payment is ${order.payment.status})`
        : `Held for fraud review: score ${result.score} (${screening.rules.join(', ')})`,
    rules,
  };
}

function holdResult(order: Pick<WorkflowOrder, 'holdReason' | 'holdExpiresAt'>, now: Date, settings: WorkflowSettings): ScreenResult {
  const reason = order.holdReason ?? 'OPERATOR_HOLD';
  const expiresAt = order.holdExpiresAt ?? new Date(now.getTime() + holdHours(reason, settings) * 3_600_000).toISOString();
  return { outcome: 'HOLD', holdReason: reason, holdTimeoutSeconds: secondsUntil(expiresAt, now, settings) };
}

function acceptedAlready(order: WorkflowOrder): boolean {
  if (order.screening?.decision === 'ACCEPT') return true;
  // An operator's approval of a payment or fraud hold accepts the order as it is; approving an
  // OPERATOR_HOLD only clears the review flags, and approving an INCORRECT_ADDRESS hold only accepts the
  // address as it is (the payment gate and fraud screen had not run: they still run).
  const release = order.holdRelease;
  // Approving a TRANSIENT_FAILURE hold only lets the workflow try again: a screen that had not run still runs.
  return (
    release?.decision === 'APPROVE' &&
    release.actor === 'operator' &&
    release.holdReason !== 'OPERATOR_HOLD' &&
    release.holdReason !== 'INCORRECT_ADDRESS' &&
    release.holdReason !== 'TRANSIENT_FAILURE'
  );
}

/** What validation decided, and the catalog it read (routing reuses it for its first attempt). */
export interface ScreenStep {
  readonly result: ScreenResult;
  readonly catalog?: RoutingCatalog | undefined;
}

export async function validateAndScreen(deps: WorkflowDeps, input: { readonly orderId: string }): Promise<ScreenResult> {
  return (await screenForRouting(deps, input)).result;
}

// Long: the validation and screening steps in the order docs/workflow.md lists them.
/** validateAndScreen, also handing back the catalog it read when it validated a RECEIVED order. */
export async function screenForRouting(deps: WorkflowDeps, input: { readonly orderId: string }): Promise<ScreenStep> {
  let catalog: RoutingCatalog | undefined;
  const result = await optimistic('ValidateAndScreen', async (): Promise<ScreenResult | typeof RETRY> => {
    const order = await getWorkflowOrder(deps.store, input.orderId);
    if (order === undefined) throw new WorkflowStateError(`Order ${input.orderId} does not exist`);
    const now = deps.now();
    const nowIso = now.toISOString();
    switch (order.status) {
      case 'REJECTED':
      case 'CANCELLED':
      case 'DELIVERED':
        return { outcome: 'DONE' };
      case 'RESERVED':
      case 'IN_FULFILLMENT':
      case 'PARTIALLY_SHIPPED':
      case 'SHIPPED':
        return { outcome: 'CONTINUE' };
      case 'ON_HOLD':
        return holdResult(order, now, deps.settings);
      case 'VALIDATED':
        if (acceptedAlready(order)) return { outcome: 'CONTINUE' };
        break;
      case 'RECEIVED':
        break;
    }

    const timeline = new TimelineBatch(order.orderId, order.channelId, nowIso);
    const items: TransactItem[] = [];
    let validatedNow = false;
    if (order.status === 'RECEIVED') {
      const skus = [...new Set(order.lines.map((l) => l.sku).filter((s) => s.trim() !== ''))];
      catalog = await loadRoutingCatalog(deps.store, skus);
      const reasons = validateOrder(order, { ...catalog, suppliers: [...catalog.suppliers.values()] }, nowIso, deps.settings);
      const addressIssues = correctableAddressIssues(order);
      if (reasons.length > 0 && isAddressHold(reasons, addressIssues)) {
        const holdExpiresAt = new Date(now.getTime() + holdHours('INCORRECT_ADDRESS', deps.settings) * 3_600_000).toISOString();
        timeline.add({
          type: 'OrderOnHold',
          actor: 'platform',
          message: `Held: the shipping address needs a correction (${addressIssues.map((i) => `${i.field} ${i.code}`).join(', ')})`,
          data: { holdReason: 'INCORRECT_ADDRESS', score: 0, rules: addressIssues.map((i) => ({ rule: i.code, points: 0, explanation: `${i.field} ${i.message}` })), holdExpiresAt },
        });
        const next = nextOrder(
          order,
          { status: 'ON_HOLD', holdReason: 'INCORRECT_ADDRESS', holdExpiresAt, addressIssues, holdRelease: undefined, rejectionReasons: undefined },
          nowIso,
        );
        const outcome = await transact(deps.store, [putOrderUpdate(deps.store, next, order.version), ...timeline.items(deps.store)]);
        if (!outcome.ok) return RETRY;
        deps.logger.info('Order held for an address correction', { orderId: order.orderId, issues: addressIssues.map((i) => `${i.field}:${i.code}`) });
        return holdResult(next, now, deps.settings);
      }
      if (reasons.length > 0) {
        timeline.add({
          type: 'OrderRejected',
          actor: 'platform',
          message: `Order rejected: ${reasons.length} problem${reasons.length === 1 ? '' : 's'} (${[...new Set(reasons.map((r) => r.code))].join(', ')})`,
          data: { reasons },
        });
        const next = nextOrder(order, { status: 'REJECTED', rejectionReasons: reasons }, nowIso);
        const outcome = await transact(deps.store, [putOrderUpdate(deps.store, next, order.version), ...timeline.items(deps.store)]);
        if (!outcome.ok) return RETRY;
        deps.logger.info('Order rejected', { orderId: order.orderId, codes: reasons.map((r) => r.code) });
        return { outcome: 'REJECTED' };
      }
      validatedNow = true;
      timeline.add({ type: 'OrderValidated', actor: 'platform', message: 'Order validated: every line can be served', data: { lines: order.lines.length } });
    }

    const decision = await screen(deps, order, now);
    if (validatedNow) {
      const window = deps.settings.fraud.addressVelocityWindowHours * 3600;
      items.push(putAddressUse(deps.store, decision.fingerprint, nowIso, order.orderId, Math.floor(now.getTime() / 1000) + window + 86_400));
    }
    let next: WorkflowOrder;
    if (decision.holdReason === undefined) {
      next = nextOrder(order, { status: 'VALIDATED', screening: decision.screening, holdReason: undefined, holdExpiresAt: undefined }, nowIso);
    } else {
      next = nextOrder(
        order,
        { status: 'ON_HOLD', screening: decision.screening, holdReason: decision.holdReason, holdExpiresAt: decision.holdExpiresAt, holdRelease: undefined },
        nowIso,
      );
      timeline.add({
        type: 'OrderOnHold',
        actor: 'platform',
        message: decision.explanation,
        data: { holdReason: decision.holdReason, score: decision.screening.score, rules: decision.rules, holdExpiresAt: decision.holdExpiresAt },
      });
    }
    const outcome = await transact(deps.store, [putOrderUpdate(deps.store, next, order.version), ...items, ...timeline.items(deps.store)]);
    if (!outcome.ok) {
      if (!onlyContention(outcome.codes)) deps.logger.info('Order changed while screening; re-reading', { orderId: order.orderId });
      return RETRY;
    }
    deps.logger.info('Order screened', { orderId: order.orderId, decision: decision.screening.decision, score: decision.screening.score, rules: decision.screening.rules });
    return decision.holdReason === undefined ? { outcome: 'CONTINUE' } : holdResult(next, now, deps.settings);
  });
  return { result, catalog };
}
