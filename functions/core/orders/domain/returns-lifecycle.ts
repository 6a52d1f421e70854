/**
 * The return lifecycle (issue 15; the returns aggregate in functions/core/returns builds on it). Pure.
 *
 *   REQUESTED → AUTHORIZED | REJECTED → IN_TRANSIT → RECEIVED → REFUND_REQUESTED → CLOSED
 *
 * Shortcuts a return may take: AUTHORIZED → RECEIVED (the supplier confirms receipt without a tracked parcel),
 * REQUESTED → REFUND_REQUESTED ("keep it": refund without a return, under the supplier's value threshold),
 * RECEIVED → CLOSED (an exchange: the replacement fulfillment ships instead of a refund).
 * REJECTED and CLOSED are final.
 */

export const RETURN_STATUSES = ['REQUESTED', 'AUTHORIZED', 'REJECTED', 'IN_TRANSIT', 'RECEIVED', 'REFUND_REQUESTED', 'CLOSED'] as const;
export type ReturnStatus = (typeof RETURN_STATUSES)[number];

export const RETURN_TRANSITIONS: Readonly<Record<ReturnStatus, readonly ReturnStatus[]>> = {
  REQUESTED: ['AUTHORIZED', 'REJECTED', 'REFUND_REQUESTED'],
  AUTHORIZED: ['IN_TRANSIT', 'RECEIVED'],
  REJECTED: [],
  IN_TRANSIT: ['RECEIVED'],
  RECEIVED: ['REFUND_REQUESTED', 'CLOSED'],
  REFUND_REQUESTED: ['CLOSED'],
  CLOSED: [],
};

/** Progress order: a status of lower rank than the current one is stale (REJECTED ranks with AUTHORIZED). */
const RETURN_RANK: Readonly<Record<ReturnStatus, number>> = { REQUESTED: 0, AUTHORIZED: 1, REJECTED: 1, IN_TRANSIT: 2, RECEIVED: 3, REFUND_REQUESTED: 4, CLOSED: 5 };

export function canTransitionReturn(from: ReturnStatus, to: ReturnStatus): boolean {
  return RETURN_TRANSITIONS[from].includes(to);
}

export type ReturnApplyResult =
  | { readonly outcome: 'applied'; readonly status: ReturnStatus }
  | { readonly outcome: 'duplicate' | 'stale'; readonly status: ReturnStatus }
  | { readonly outcome: 'invalid'; readonly status: ReturnStatus; readonly detail: string };

/** Move a return to `target`: same = duplicate, earlier = stale, not a next step = invalid. */
export function applyReturnStatus(current: ReturnStatus, target: ReturnStatus): ReturnApplyResult {
  if (current === target) return { outcome: 'duplicate', status: current };
  if (canTransitionReturn(current, target)) return { outcome: 'applied', status: target };
  if (RETURN_RANK[target] < RETURN_RANK[current] || (RETURN_RANK[target] === RETURN_RANK[current] && current !== 'REQUESTED')) return { outcome: 'stale', status: current };
  const next = RETURN_TRANSITIONS[current];
  return { outcome: 'invalid', status: current, detail: `a return cannot go from ${current} to ${target}: ${next.length === 0 ? 'it is final' : `${next.join(' or ')} comes next`}` };
}
