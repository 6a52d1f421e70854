/**
 * Carrier claim records: one per lost fulfillment (`CLAIM#{claimId}` / `#CLAIM`, claimId derived from
 * the fulfillment id, so opening twice is one claim). An OPEN claim carries the sparse exceptions index
 * mark (gsi3 `EXCEPTION#CARRIER_CLAIM` / `{fileBy}#{claimId}`): GET /ops/claims and GET /ops/exceptions
 * list it, oldest deadline first via the index; closing removes the mark.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { stripKeys, type StoreContext } from '../../runtime/table/context';
import { gsiKeys } from '../../runtime/table/keys';
import type { TransactItem } from '../../runtime/table/transactions';

export const CLAIM_OUTCOMES = ['PAID', 'DENIED', 'WITHDRAWN'] as const;
export type ClaimOutcome = (typeof CLAIM_OUTCOMES)[number];

export interface CarrierClaim {
  readonly claimId: string;
  readonly orderId: string;
  readonly fulfillmentId: string;
  readonly supplierId: string;
  readonly carrier: string;
  readonly trackingNumber: string;
  /** Declared value: wholesale cost + shipping of the fulfillment (what the retailer lost). */
  readonly valueMinor: number;
  readonly currency: string;
  /** File the claim with the carrier by then. */
  readonly fileBy: string;
  readonly status: 'OPEN' | 'CLOSED';
  readonly openedAt: string;
  readonly closedAt?: string | undefined;
  readonly outcome?: ClaimOutcome | undefined;
  /** Operator's note (no customer data). */
  readonly note?: string | undefined;
  readonly closedBy?: string | undefined;
  readonly version: number;
}

export const claimKey = (claimId: string) => ({ pk: `CLAIM#${claimId}`, sk: '#CLAIM' });

/** `clm_{the fulfillment id without ful_}`: one claim per fulfillment. */
export function claimIdOf(fulfillmentId: string): string {
  return `clm_${fulfillmentId.replace(/^ful_/, '')}`;
}

export function claimItem(claim: CarrierClaim): Record<string, unknown> {
  return {
    ...claim,
    ...claimKey(claim.claimId),
    ...(claim.status === 'OPEN' ? gsiKeys.exception('CARRIER_CLAIM', claim.fileBy, claim.claimId) : {}),
    entity: 'CarrierClaim',
  };
}

/** Put a new claim; fails the transaction when the fulfillment's claim exists. */
export function putNewClaim(ctx: StoreContext, claim: CarrierClaim): TransactItem {
  return { Put: { TableName: ctx.tableName, Item: claimItem(claim), ConditionExpression: 'attribute_not_exists(pk)' } };
}

/** Replace a claim at the version it was read (closing drops the index mark: the item is written whole). */
export function putClaimUpdate(ctx: StoreContext, claim: CarrierClaim, expectedVersion: number): TransactItem {
  return {
    Put: {
      TableName: ctx.tableName,
      Item: claimItem(claim),
      ConditionExpression: 'version = :expected',
      ExpressionAttributeValues: { ':expected': expectedVersion },
    },
  };
}

export async function getClaim(ctx: StoreContext, claimId: string): Promise<CarrierClaim | undefined> {
  const result = await ctx.ddb.send(new GetCommand({ TableName: ctx.tableName, Key: claimKey(claimId), ConsistentRead: true }));
  return result.Item === undefined ? undefined : (stripKeys(result.Item) as unknown as CarrierClaim);
}
