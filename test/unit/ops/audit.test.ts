/**
 * Operator actions that change no order item are audited on the order's timeline (OperatorAction, actor
 * operator, the caller's actorId, the note), once: a retried request writes no second entry. Supplier pause /
 * resume are recorded on the supplier (who, when, why) and listed.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, RedriveExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../../../functions/core/kernel/errors';
import { actingAs } from '../../../functions/core/ops/actor-context';
import { OPERATOR_ACTION, auditSeq } from '../../../functions/core/ops/store/audit';
import { redriveOrder, resolveOrder, retryOrder, type ActionDeps } from '../../../functions/core/ops/services/order-actions';
import { listSuppliers, setSupplierPaused } from '../../../functions/core/ops/services/suppliers';
import { keys } from '../../../functions/core/runtime/table/keys';
import { FakeTable } from '../workflow/support/fake-table';
import { OPERATOR_ARN } from './support';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sfnMock = mockClient(SFNClient);
const NOW = new Date('2026-12-07T03:00:00.000Z');
const ORDER = 'ord_01jf0000000000000000000aaa';
const ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:orders';
const store = { ddb: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), tableName: 'T' };
let table: FakeTable;

// Only what redrive / retry / resolve use; the hold and cancellation parts are not reached.
const deps = { store, now: () => NOW, sfn: new SFNClient({ region: 'us-east-1' }), stateMachineArn: ARN } as unknown as ActionDeps;

const audits = () => table.entities('TimelineEvent', keys.order(ORDER).pk).filter((e) => e.type === OPERATOR_ACTION);

beforeEach(() => {
  ddbMock.reset();
  sfnMock.reset();
  table = new FakeTable();
  table.install(ddbMock);
  table.seed({ ...keys.order(ORDER), entity: 'Order', orderId: ORDER, channelId: 'demo-shop', status: 'ROUTED', version: 3 });
});

describe('redrive and retry', () => {
  beforeEach(() => {
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'FAILED' });
    sfnMock.on(RedriveExecutionCommand).resolves({ redriveDate: new Date('2026-12-07T02:59:00.000Z') });
  });

  it.each([
    ['redrive', redriveOrder],
    ['retry', retryOrder],
  ] as const)('%s writes one OperatorAction entry with the operator id, at the redrive date', async (action, run) => {
    await actingAs(OPERATOR_ARN, () => run(deps, { orderId: ORDER }));
    const [entry, ...rest] = audits();
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ actor: 'operator', actorId: OPERATOR_ARN, channelId: 'demo-shop', at: '2026-12-07T02:59:00.000Z', data: { action, previousStatus: 'FAILED' } });
    expect(entry?.sk).toBe(`EVENT#2026-12-07T02:59:00.000Z#${String(auditSeq(`redrive:${ARN.replace(':stateMachine:', ':execution:')}:${ORDER}:2026-12-07T02:59:00.000Z`)).padStart(4, '0')}`);
  });

  it('a retried request (same redrive, same date) writes no second entry', async () => {
    await actingAs(OPERATOR_ARN, () => redriveOrder(deps, { orderId: ORDER }));
    await actingAs(OPERATOR_ARN, () => redriveOrder(deps, { orderId: ORDER }));
    expect(audits()).toHaveLength(1);
  });

  it('nothing to redrive: a 409 and no entry', async () => {
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    await expect(actingAs(OPERATOR_ARN, () => retryOrder(deps, { orderId: ORDER }))).rejects.toBeInstanceOf(ConflictError);
    expect(audits()).toEqual([]);
  });
});

describe('resolve', () => {
  beforeEach(() => {
    table.seed({ ...keys.order(ORDER), entity: 'Order', orderId: ORDER, channelId: 'demo-shop', status: 'ROUTED', version: 3, gsi3pk: 'EXCEPTION#ORDER_STUCK', gsi3sk: `2026-12-06T00:00:00.000Z#${ORDER}` });
  });

  it('closes the mark and audits it with the note, in one transaction', async () => {
    const result = await actingAs(OPERATOR_ARN, () => resolveOrder(deps, { orderId: ORDER, note: 'supplier confirmed by phone' }));
    expect(result.resolved).toEqual(['ORDER_STUCK']);
    expect(table.get(keys.order(ORDER).pk, '#ORDER')?.gsi3pk).toBeUndefined();
    expect(audits()).toEqual([
      expect.objectContaining({ actor: 'operator', actorId: OPERATOR_ARN, data: { action: 'resolve', note: 'supplier confirmed by phone', resolved: ['ORDER_STUCK'] } }),
    ]);
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('a retried request finds nothing open: 409, still one entry', async () => {
    await actingAs(OPERATOR_ARN, () => resolveOrder(deps, { orderId: ORDER, note: 'done' }));
    await expect(actingAs(OPERATOR_ARN, () => resolveOrder(deps, { orderId: ORDER, note: 'done' }))).rejects.toBeInstanceOf(ConflictError);
    expect(audits()).toHaveLength(1);
  });
});

describe('supplier pause / resume', () => {
  const supplierDeps = { store, now: () => NOW, supplierIds: ['acme'] };
  beforeEach(() => {
    table.seed({ ...keys.supplier('acme'), entity: 'Supplier', supplierId: 'acme', name: 'Acme', status: 'ACTIVE', lastFeedAt: NOW.toISOString() });
  });

  it('records who, when and why on the supplier and lists it', async () => {
    await setSupplierPaused(supplierDeps, { supplierId: 'acme', paused: true, actorId: OPERATOR_ARN, note: 'warehouse flooded' });
    const [paused] = await listSuppliers(supplierDeps);
    expect(paused).toMatchObject({ paused: true, pause: { at: NOW.toISOString(), actorId: OPERATOR_ARN, note: 'warehouse flooded' } });
    await setSupplierPaused(supplierDeps, { supplierId: 'acme', paused: false, actorId: 'arn:aws:sts::123456789012:assumed-role/Operator/joe' });
    const [resumed] = await listSuppliers(supplierDeps);
    expect(resumed?.paused).toBe(false);
    expect(resumed?.pause).toBeUndefined();
    expect(resumed?.pauseLog.map((c) => [c.action, c.actorId.split('/').pop(), c.note])).toEqual([
      ['resume', 'joe', undefined],
      ['pause', 'jane', 'warehouse flooded'],
    ]);
  });

  it('a repeated pause changes nothing and logs nothing', async () => {
    await setSupplierPaused(supplierDeps, { supplierId: 'acme', paused: true, actorId: OPERATOR_ARN });
    const again = await setSupplierPaused(supplierDeps, { supplierId: 'acme', paused: true, actorId: OPERATOR_ARN });
    expect(again.changed).toBe(false);
    expect((await listSuppliers(supplierDeps))[0]?.pauseLog).toHaveLength(1);
  });
});
