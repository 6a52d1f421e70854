/** The order view's storefront deliveries: read from the notification ledger (numbers and attempts per event). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { eventAttemptsKey, eventNumberKey } from '../../../functions/core/notifications/store/notification-state';
import { DeliveryView } from '../../../functions/core/ops/schemas/look';
import { deliveriesOf } from '../../../functions/core/ops/services/look-order';
import { FakeTable } from '../workflow/support/fake-table';

const ddbMock = mockClient(DynamoDBDocumentClient);
const store = { ddb: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), tableName: 'T' };
const ORDER = 'ord_01jf0000000000000000000aaa';
const shipped = `ORDER#${ORDER}|EVENT#2026-12-07T01:00:00.000Z#1001`;
const delivered = `ORDER#${ORDER}|EVENT#2026-12-07T02:00:00.000Z#1001`;
const legacy = `ORDER#${ORDER}|EVENT#2026-12-06T01:00:00.000Z#1001`;
const stuck = `ORDER#${ORDER}|EVENT#2026-12-07T03:00:00.000Z#1001`;
let table: FakeTable;

beforeEach(() => {
  ddbMock.reset();
  table = new FakeTable();
  table.install(ddbMock);
  table.seed({
    pk: `NOTIFY#${ORDER}`,
    sk: '#LEDGER',
    entity: 'NotificationLedger',
    seq: 3,
    sentSeq: 2,
    [eventNumberKey(legacy)]: 1,
    [eventNumberKey(shipped)]: 2,
    [eventAttemptsKey(shipped)]: [
      { n: 1, at: '2026-12-07T01:00:01.000Z', result: 'FAILED', status: 503, error: 'DeliveryError: answered HTTP 503', nextRetryAt: '2026-12-07T01:00:31.000Z', type: 'OrderShipped' },
      { n: 2, at: '2026-12-07T01:00:32.000Z', result: 'DELIVERED', type: 'OrderShipped' },
    ],
    [eventNumberKey(delivered)]: 3,
    [eventAttemptsKey(delivered)]: [{ n: 1, at: '2026-12-07T02:00:01.000Z', result: 'FAILED', error: 'DeliveryError: request failed (TimeoutError)', nextRetryAt: '2026-12-07T02:00:31.000Z', type: 'OrderDelivered' }],
    // Failed before it got a number (e.g. the channel's secret was missing), then dead-lettered.
    [eventAttemptsKey(stuck)]: [{ n: 1, at: '2026-12-07T03:00:01.000Z', result: 'DEAD_LETTERED', error: 'DeliveryError: channel web has no outbound secret value', type: 'OrderCancelled' }],
  });
});

describe('deliveriesOf', () => {
  it('lists each event with its number, outcome and attempts, in number order', async () => {
    const deliveries = await deliveriesOf(store, ORDER);
    for (const d of deliveries) DeliveryView.parse(d);
    expect(deliveries.map((d) => [d.notificationId.split('#')[1], d.type, d.status, d.attempts, d.nextRetryAt ?? null])).toEqual([
      ['1', 'Unknown', 'DELIVERED', 0, null],
      ['2', 'OrderShipped', 'DELIVERED', 2, null],
      ['3', 'OrderDelivered', 'FAILED', 1, '2026-12-07T02:00:31.000Z'],
      ['-', 'OrderCancelled', 'DEAD_LETTERED', 1, null],
    ]);
    expect(deliveries[1]?.history.map((a) => [a.n, a.result, a.status ?? null])).toEqual([
      [1, 'FAILED', 503],
      [2, 'DELIVERED', null],
    ]);
    expect(deliveries[1]?.lastError).toContain('HTTP 503');
  });

  it('a DELIVERED record without its type (timeline events since the ledger slimming) gets it from the order timeline', async () => {
    const slim = `ORDER#${ORDER}|EVENT#2026-12-07T04:00:00.000Z#1002`;
    const ledger = table.get(`NOTIFY#${ORDER}`, '#LEDGER') ?? {};
    table.seed(
      { ...ledger, seq: 4, sentSeq: 4, [eventNumberKey(slim)]: 4, [eventAttemptsKey(slim)]: [{ n: 1, at: '2026-12-07T04:00:01.000Z', result: 'DELIVERED' }] },
      { pk: `ORDER#${ORDER}`, sk: 'EVENT#2026-12-07T04:00:00.000Z#1002', entity: 'TimelineEvent', type: 'FulfillmentDelivered', at: '2026-12-07T04:00:00.000Z', actor: 'supplier', message: 'delivered' },
    );
    const deliveries = await deliveriesOf(store, ORDER);
    for (const d of deliveries) DeliveryView.parse(d);
    expect(deliveries.find((d) => d.sequence === 4)).toMatchObject({ type: 'FulfillmentDelivered', status: 'DELIVERED', attempts: 1, at: '2026-12-07T04:00:01.000Z' });
    // The records that carry their type keep it (failures, and DELIVERED records written before).
    expect(deliveries.find((d) => d.sequence === 2)?.type).toBe('OrderShipped');
  });

  it('is empty without a ledger', async () => {
    expect(await deliveriesOf(store, 'ord_01jf0000000000000000000bbb')).toEqual([]);
  });
});
