/** The return lifecycle (not wired yet: the returns issue builds on it). Pure. */

export const RETURN_STATUSES = ['REQUESTED', 'AUTHORIZED', 'RECEIVED', 'REFUNDED'] as const;
export type ReturnStatus = (typeof RETURN_STATUSES)[number];

/** REQUESTED → AUTHORIZED (supplier RMA) → RECEIVED → REFUNDED, strictly in order. */
export const RETURN_TRANSITIONS: Readonly<Record<ReturnStatus, readonly ReturnStatus[]>> = {
  REQUESTED: ['AUTHORIZED'],
  AUTHORIZED: ['RECEIVED'],
  RECEIVED: ['REFUNDED'],
  REFUNDED: [],
};

const RETURN_RANK: Readonly<Record<ReturnStatus, number>> = { REQUESTED: 0, AUTHORIZED: 1, RECEIVED: 2, REFUNDED: 3 };

export function canTransitionReturn(from: ReturnStatus, to: ReturnStatus): boolean {
  return RETURN_TRANSITIONS[from].includes(to);
}

export type ReturnApplyResult =
  | { readonly outcome: 'applied'; readonly status: ReturnStatus }
  | { readonly outcome: 'duplicate' | 'stale'; readonly status: ReturnStatus }
  | { readonly outcome: 'invalid'; readonly status: ReturnStatus; readonly detail: string };

/** Move a return to `target`: same = duplicate, earlier = stale, skipping a step = invalid. */
export function applyReturnStatus(current: ReturnStatus, target: ReturnStatus): ReturnApplyResult {
  if (current === target) return { outcome: 'duplicate', status: current };
  if (RETURN_RANK[target] < RETURN_RANK[current]) return { outcome: 'stale', status: current };
  if (canTransitionReturn(current, target)) return { outcome: 'applied', status: target };
  return { outcome: 'invalid', status: current, detail: `a return cannot go from ${current} to ${target}: ${RETURN_TRANSITIONS[current].join(', ')} comes next` };
}
