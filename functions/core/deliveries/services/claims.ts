/**
 * Carrier claims for operators: GET /ops/claims (open claims from the exceptions index, earliest
 * deadline first) and POST /ops/claims/{claimId}/close `{ outcome, note }` (audited on the order's
 * timeline: CarrierClaimClosed with the operator). Closing again with the same outcome answers the
 * closed claim; another outcome is 409.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Actor } from '../../events/domain/events';
import type { Clock } from '../../kernel/clock';
import { ConflictError, NotFoundError } from '../../kernel/errors';
import type { ClaimsQuery, CloseClaimRequest } from '../schemas/ops';
import { stripKeys, type StoreContext } from '../../runtime/table/context';
import { GSI3 } from '../../runtime/table/keys';
import { transact } from '../../runtime/table/transactions';
import { TimelineBatch } from '../../events/store/timeline';
import { getWorkflowOrder } from '../../workflow/store/order-aggregate';
import { getClaim, putClaimUpdate, type CarrierClaim } from '../store/claims';

export const CLAIM_ID_PATTERN = /^clm_[0-9a-hjkmnp-tv-z]{26}_\d{2,4}$/;

export interface ClaimDeps {
  readonly store: StoreContext;
  readonly now: Clock;
}

/** Open claims, the nearest filing deadline first. */
export async function listOpenClaims(store: StoreContext, query: ClaimsQuery): Promise<{ readonly items: readonly CarrierClaim[] }> {
  const page = await store.ddb.send(
    new QueryCommand({
      TableName: store.tableName,
      IndexName: GSI3,
      KeyConditionExpression: 'gsi3pk = :pk',
      ExpressionAttributeValues: { ':pk': 'EXCEPTION#CARRIER_CLAIM' },
      ScanIndexForward: true,
      Limit: query.limit,
    }),
  );
  return { items: (page.Items ?? []).map((i) => stripKeys(i) as unknown as CarrierClaim) };
}

export async function closeClaim(
  deps: ClaimDeps,
  input: CloseClaimRequest & { readonly claimId: string; readonly actor: Actor; readonly actorId?: string | undefined },
): Promise<CarrierClaim> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const claim = await getClaim(deps.store, input.claimId);
    if (claim === undefined) throw new NotFoundError(`Claim ${input.claimId} does not exist`);
    if (claim.status === 'CLOSED') {
      if (claim.outcome === input.outcome) return claim;
      throw new ConflictError(`Claim ${input.claimId} is already closed as ${claim.outcome ?? 'CLOSED'}`, { issues: [{ path: 'outcome', message: `already ${claim.outcome ?? 'CLOSED'}` }] });
    }
    const at = deps.now().toISOString();
    const closed: CarrierClaim = {
      ...claim,
      status: 'CLOSED',
      outcome: input.outcome,
      closedAt: at,
      ...(input.note === undefined ? {} : { note: input.note }),
      ...(input.actorId === undefined ? {} : { closedBy: input.actorId }),
      version: claim.version + 1,
    };
    const order = await getWorkflowOrder(deps.store, claim.orderId);
    const timeline = new TimelineBatch(claim.orderId, order?.channelId, at).add({
      type: 'CarrierClaimClosed',
      actor: input.actor,
      message: `Carrier claim ${claim.claimId} closed: ${input.outcome}`,
      data: { fulfillmentId: claim.fulfillmentId, supplierId: claim.supplierId, claimId: claim.claimId, outcome: input.outcome, ...(input.actorId === undefined ? {} : { actorId: input.actorId }) },
    });
    const outcome = await transact(deps.store, [putClaimUpdate(deps.store, closed, claim.version), ...timeline.items(deps.store)]);
    if (outcome.ok) return closed;
  }
  throw new ConflictError(`Claim ${input.claimId} kept changing: retry`);
}
