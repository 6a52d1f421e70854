import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { addressFingerprint } from '../../../functions/core/orders/domain/fraud';
import type { WorkflowOrder } from '../../../functions/core/orders/domain/order';
import { validateAndScreen, validateOrder } from '../../../functions/core/workflow/services/validate-and-screen';
import { keys } from '../../../functions/core/runtime/table/keys';
import { FakeTable } from './support/fake-table';
import { CATALOG, NOW, ORDER_ID, SUPPLIERS, catalogItems, catalogOffers, makeWorld, order, putOrder, storedOrder, timelineTypes, type World } from './support/world';

const ddbMock = mockClient(DynamoDBDocumentClient);
let table: FakeTable;
let world: World;

beforeEach(() => {
  ddbMock.reset();
  table = new FakeTable();
  table.install(ddbMock);
  table.seed(...catalogItems());
  world = makeWorld(table);
});

const writes = () => table.log.filter((l) => ['Put', 'Update', 'Delete', 'TransactWrite'].includes(l.command));

describe('ValidateAndScreen: a new order', () => {
  it('validates and screens a paid, in-stock order in ONE transaction: VALIDATED + OrderValidated → CONTINUE', async () => {
    putOrder(table, order());
    await expect(validateAndScreen(world.deps, { orderId: ORDER_ID })).resolves.toEqual({ outcome: 'CONTINUE' });

    const stored = storedOrder(table);
    expect(stored).toMatchObject({ status: 'VALIDATED', version: 2, screening: { decision: 'ACCEPT', score: 0, rules: [] } });
    expect(timelineTypes(table)).toEqual(['OrderValidated']);
    expect(writes().map((w) => w.command)).toEqual(['TransactWrite']);
    // the address velocity record: a fingerprint, never the address itself
    const uses = table.entities('AddressUse');
    expect(uses).toHaveLength(1);
    expect(uses[0]?.pk).toBe(`ADDRESS#${addressFingerprint(order().shippingAddress)}`);
    expect(JSON.stringify(uses)).not.toContain('Invalidenstrasse');
  });

  it.each<[string, Partial<WorkflowOrder>, { lineNo?: number; code: string }[]]>([
    ['unknown SKU', { lines: [{ lineNo: 1, sku: 'NOPE-1', quantity: 1, unitPriceMinor: 1000 }] }, [{ lineNo: 1, code: 'UNKNOWN_SKU' }]],
    ['inactive SKU', { lines: [{ lineNo: 1, sku: 'RETIRED-THING', quantity: 1, unitPriceMinor: 990 }] }, [{ lineNo: 1, code: 'INACTIVE_SKU' }]],
    ['line without SKU', { lines: [{ lineNo: 1, sku: '', quantity: 1, unitPriceMinor: 990 }] }, [{ lineNo: 1, code: 'LINE_WITHOUT_SKU' }]],
    [
      'more than all the stock',
      { lines: [{ lineNo: 1, sku: 'KETTLE-GOOSENECK', quantity: 11, unitPriceMinor: 7990 }] },
      [{ lineNo: 1, code: 'INSUFFICIENT_STOCK' }],
    ],
    [
      'destination outside every shipping zone',
      { shippingAddress: { name: 'A', line1: '1-1 Chiyoda', city: 'Tokyo', postcode: '100-0001', country: 'JP' } },
      [{ lineNo: 1, code: 'NO_SHIPPING_ZONE' }],
    ],
    [
      // An address problem alone is held INCORRECT_ADDRESS (test/unit/orders/address-hold.test.ts).
      'invalid postcode with an unknown SKU',
      { shippingAddress: { name: 'A', line1: 'Street 1', city: 'Berlin', postcode: '1234', country: 'DE' }, lines: [{ lineNo: 1, sku: 'NOPE-1', quantity: 1, unitPriceMinor: 1000 }] },
      [{ code: 'ADDRESS_INVALID' }, { lineNo: 1, code: 'UNKNOWN_SKU' }],
    ],
    ['cancelled in the storefront', { flags: [{ code: 'CANCELLED_AT_SOURCE', message: 'Cancelled in Shopify' }] }, [{ code: 'CANCELLED_AT_SOURCE' }]],
    ['a test order', { flags: [{ code: 'TEST_ORDER', message: 'Shopify test order' }] }, [{ code: 'TEST_ORDER' }]],
  ])('rejects %s with machine-readable reasons (timeline OrderRejected)', async (_name, overrides, expected) => {
    putOrder(table, order(overrides));
    await expect(validateAndScreen(world.deps, { orderId: ORDER_ID })).resolves.toEqual({ outcome: 'REJECTED' });
    const stored = storedOrder(table);
    expect(stored.status).toBe('REJECTED');
    expect(stored.rejectionReasons?.map((r) => ({ ...(r.lineNo === undefined ? {} : { lineNo: r.lineNo }), code: r.code }))).toEqual(expect.arrayContaining(expected));
    expect(timelineTypes(table)).toEqual(['OrderRejected']);
    expect(table.entities('AddressUse')).toEqual([]);
  });

  it('rejects per line: the good line passes, the bad one is named', () => {
    const o = order({
      lines: [
        { lineNo: 1, sku: 'TSHIRT-BLK-M', quantity: 1, unitPriceMinor: 1999 },
        { lineNo: 2, sku: 'KETTLE-GOOSENECK', quantity: 50, unitPriceMinor: 7990 },
      ],
    });
    const catalog = { products: new Map(CATALOG.map((p) => [p.sku, { sku: p.sku, title: p.sku, retailPriceMinor: p.retailPriceMinor, currency: 'EUR', active: p.active ?? true }])), offers: catalogOffers(table), suppliers: [...SUPPLIERS] };
    const reasons = validateOrder(o, catalog, NOW.toISOString(), world.deps.settings);
    expect(reasons.map((r) => [r.lineNo, r.code])).toEqual([[2, 'INSUFFICIENT_STOCK']]);
  });

  it('validates against the stock on the feed: units other orders hold are for the reservation to decide, not a rejection', () => {
    const o = order({ lines: [{ lineNo: 1, sku: 'KETTLE-GOOSENECK', quantity: 1, unitPriceMinor: 7990 }] });
    const products = new Map(CATALOG.map((p) => [p.sku, { sku: p.sku, title: p.sku, retailPriceMinor: p.retailPriceMinor, currency: 'EUR', active: p.active ?? true }]));
    const soldOut = catalogOffers(table).map((offer) => (offer.sku === 'KETTLE-GOOSENECK' ? { ...offer, reserved: offer.stock } : offer));
    expect(validateOrder(o, { products, offers: soldOut, suppliers: [...SUPPLIERS] }, NOW.toISOString(), world.deps.settings)).toEqual([]);
  });

  it.each<[string, Partial<WorkflowOrder>, string, number]>([
    ['payment pending → AWAITING_PAYMENT (72 h)', { payment: { reference: 'pi_1', status: 'pending' } }, 'AWAITING_PAYMENT', 72 * 3600],
    [
      'disposable email + billing in another country → HIGH_RISK_OF_FRAUD (48 h)',
      {
        customer: { email: 'someone@mailinator.com' },
        billingAddress: { name: 'B', line1: '1 Rue', city: 'Paris', postcode: '75001', country: 'FR' },
      },
      'HIGH_RISK_OF_FRAUD',
      48 * 3600,
    ],
    ['review flags (totals do not add up) → OPERATOR_HOLD', { flags: [{ code: 'TOTALS_MISMATCH', message: 'Totals do not add up' }] }, 'OPERATOR_HOLD', 48 * 3600],
  ])('holds: %s', async (_name, overrides, holdReason, seconds) => {
    putOrder(table, order(overrides));
    await expect(validateAndScreen(world.deps, { orderId: ORDER_ID })).resolves.toEqual({ outcome: 'HOLD', holdReason, holdTimeoutSeconds: seconds });
    const stored = storedOrder(table);
    expect(stored).toMatchObject({ status: 'ON_HOLD', holdReason, holdExpiresAt: new Date(NOW.getTime() + seconds * 1000).toISOString() });
    expect(timelineTypes(table)).toEqual(['OrderValidated', 'OrderOnHold']);
    const onHold = table.entities('TimelineEvent').find((e) => e.type === 'OrderOnHold');
    expect(JSON.stringify(onHold)).not.toMatch(/someone@|mailinator\.com.*someone/);
  });

  it('counts other recent orders to the same address (velocity) and holds at the limit', async () => {
    const fp = addressFingerprint(order().shippingAddress);
    for (const [i, id] of ['ord_a', 'ord_b', 'ord_c'].entries()) {
      const at = new Date(NOW.getTime() - (i + 1) * 3_600_000).toISOString();
      table.seed({ ...keys.addressUse(fp, at, id), fingerprint: fp, orderId: id, at, entity: 'AddressUse' });
    }
    // outside the 24 h window: not counted
    const old = new Date(NOW.getTime() - 30 * 3_600_000).toISOString();
    table.seed({ ...keys.addressUse(fp, old, 'ord_old'), fingerprint: fp, orderId: 'ord_old', at: old, entity: 'AddressUse' });
    putOrder(table, order());
    await expect(validateAndScreen(world.deps, { orderId: ORDER_ID })).resolves.toMatchObject({ outcome: 'HOLD', holdReason: 'HIGH_RISK_OF_FRAUD' });
    expect(storedOrder(table).screening?.rules).toEqual(['ADDRESS_VELOCITY']);
  });

  it('TIMEOUT_SCALE shrinks the wait, not the stored deadline', async () => {
    world = makeWorld(table, { timeoutScale: 0.001 });
    putOrder(table, order({ payment: { reference: 'pi_1', status: 'pending' } }));
    await expect(validateAndScreen(world.deps, { orderId: ORDER_ID })).resolves.toMatchObject({ holdTimeoutSeconds: 260 });
    expect(storedOrder(table).holdExpiresAt).toBe('2026-11-28T10:00:00.000Z');
  });
});

describe('ValidateAndScreen: re-entry from the stored order', () => {
  it.each<[string, Partial<WorkflowOrder>, unknown]>([
    ['screened and accepted', { status: 'VALIDATED', screening: { decision: 'ACCEPT', score: 0, rules: [], at: NOW.toISOString() } }, { outcome: 'CONTINUE' }],
    [
      'released by an operator from a fraud hold',
      { status: 'VALIDATED', holdRelease: { decision: 'APPROVE', actor: 'operator', holdReason: 'HIGH_RISK_OF_FRAUD', at: NOW.toISOString() } },
      { outcome: 'CONTINUE' },
    ],
    ['in fulfillment', { status: 'IN_FULFILLMENT' }, { outcome: 'CONTINUE' }],
    ['partially shipped', { status: 'PARTIALLY_SHIPPED' }, { outcome: 'CONTINUE' }],
    ['rejected', { status: 'REJECTED' }, { outcome: 'DONE' }],
    ['cancelled', { status: 'CANCELLED' }, { outcome: 'DONE' }],
    ['delivered', { status: 'DELIVERED' }, { outcome: 'DONE' }],
    [
      'still on hold (time left)',
      { status: 'ON_HOLD', holdReason: 'AWAITING_PAYMENT', holdExpiresAt: new Date(NOW.getTime() + 7200_000).toISOString() },
      { outcome: 'HOLD', holdReason: 'AWAITING_PAYMENT', holdTimeoutSeconds: 7200 },
    ],
    [
      'on hold past its deadline (times out at once)',
      { status: 'ON_HOLD', holdReason: 'HIGH_RISK_OF_FRAUD', holdExpiresAt: new Date(NOW.getTime() - 60_000).toISOString() },
      { outcome: 'HOLD', holdReason: 'HIGH_RISK_OF_FRAUD', holdTimeoutSeconds: 1 },
    ],
  ])('%s → %j without writing', async (_name, overrides, expected) => {
    putOrder(table, order(overrides));
    await expect(validateAndScreen(world.deps, { orderId: ORDER_ID })).resolves.toEqual(expected);
    expect(writes()).toEqual([]);
  });

  it('screens again after a payment released the hold (the fraud rules had not run)', async () => {
    putOrder(
      table,
      order({ status: 'VALIDATED', payment: { reference: 'pi_1', status: 'paid' }, holdRelease: { decision: 'APPROVE', actor: 'retailer', holdReason: 'AWAITING_PAYMENT', at: NOW.toISOString() } }),
    );
    await expect(validateAndScreen(world.deps, { orderId: ORDER_ID })).resolves.toEqual({ outcome: 'CONTINUE' });
    expect(storedOrder(table).screening?.decision).toBe('ACCEPT');
    expect(timelineTypes(table)).toEqual([]);
  });

  it('an operator approval of OPERATOR_HOLD clears the review flags but still runs the payment gate', async () => {
    putOrder(
      table,
      order({
        status: 'VALIDATED',
        flags: [{ code: 'TOTALS_MISMATCH', message: 'x' }],
        payment: { reference: 'pi_1', status: 'pending' },
        reviewApprovedAt: NOW.toISOString(),
        holdRelease: { decision: 'APPROVE', actor: 'operator', holdReason: 'OPERATOR_HOLD', at: NOW.toISOString() },
      }),
    );
    await expect(validateAndScreen(world.deps, { orderId: ORDER_ID })).resolves.toMatchObject({ outcome: 'HOLD', holdReason: 'AWAITING_PAYMENT' });
  });

  it('retries when another writer changed the order between read and write', async () => {
    putOrder(table, order());
    table.failNext.push({
      command: 'TransactWrite',
      error: new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }] }),
    });
    await expect(validateAndScreen(world.deps, { orderId: ORDER_ID })).resolves.toEqual({ outcome: 'CONTINUE' });
    expect(table.log.filter((l) => l.command === 'TransactWrite')).toHaveLength(2);
    expect(timelineTypes(table)).toEqual(['OrderValidated']);
  });

  it('a missing order is a WorkflowStateError (not retried)', async () => {
    await expect(validateAndScreen(world.deps, { orderId: ORDER_ID })).rejects.toMatchObject({ name: 'WorkflowStateError' });
  });
});
