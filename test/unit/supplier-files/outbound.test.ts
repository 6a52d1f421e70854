import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { parse } from 'csv-parse/sync';
import { beforeEach, describe, expect, it } from 'vitest';
import { applyFulfillmentEvent } from '../../../functions/core/workflow/domain/fulfillment-events';
import { CANCELLATION_CSV_COLUMNS, PURCHASE_ORDER_CSV_COLUMNS } from '../../../functions/core/suppliers/schemas/supplier-files';
import { CancellationMessage, PurchaseOrderMessage } from '../../../functions/core/suppliers/schemas/supplier-messages';
import { dispatch } from '../../../functions/core/workflow/services/dispatch';
import { cancelFulfillment } from '../../../functions/core/workflow/services/close-order';
import { toOrderViewResponse } from '../../../functions/core/orders/services/order-response';
import { cancellationMessage, csvCell, purchaseOrderCsv, purchaseOrderMessage, sendToSupplier, type OutboundDeps } from '../../../functions/core/suppliers/services/supplier-outbound';
import { toFulfillmentTask } from '../../../functions/core/workflow/services/workflow-common';
import type { FulfillmentRecord } from '../../../functions/core/workflow/domain/fulfillment-record';
import { getOrderView } from '../../../functions/core/orders/store/orders';
import { FakeTable } from '../workflow/support/fake-table';
import { CHANNEL, F1, NOW, ORDER_ID, catalogItems, makeWorld, order, queueUrl, routedOrder, storedFulfillment, timelineTypes, type World } from '../workflow/support/world';
import { FakeBucket, outboxFiles, setSupplier } from './support/files';
import { readPdf } from './support/pdf-text';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sfnMock = mockClient(SFNClient);
const sqsMock = mockClient(SQSClient);
const s3Mock = mockClient(S3Client);
let table: FakeTable;
let world: World;
let bucket: FakeBucket;

beforeEach(() => {
  ddbMock.reset();
  sfnMock.reset();
  sqsMock.reset();
  s3Mock.reset();
  sfnMock.resolves({});
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
  table = new FakeTable();
  table.install(ddbMock);
  table.seed(...catalogItems());
  world = makeWorld(table);
  bucket = new FakeBucket();
  bucket.install(s3Mock);
});

const TOKEN = 'token-abc-123';
const SLIP = `suppliers/nordic-home/outbox/packing-slips/${F1}.pdf`;
const PO_CSV = `suppliers/nordic-home/outbox/purchase-orders/${F1}.csv`;
const PO_JSON = `suppliers/nordic-home/outbox/purchase-orders/${F1}.json`;
const outbound = (withFiles = true): OutboundDeps => ({ sqs: world.sqs, suppliers: world.suppliers, ...(withFiles ? { files: outboxFiles(world) } : {}) });
const deps = (withFiles = true) => ({ ...world.deps, sfn: world.sfn, ...outbound(withFiles) });
const sent = () => sqsMock.commandCalls(SendMessageCommand).map((c) => ({ url: c.args[0].input.QueueUrl, body: JSON.parse(c.args[0].input.MessageBody ?? '{}') as Record<string, unknown> }));
const puts = () => s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);

async function task(mutate?: (r: FulfillmentRecord) => FulfillmentRecord) {
  const [record] = await routedOrder(world, order(), (r) => (mutate === undefined ? r : mutate(r)));
  if (record === undefined) throw new Error('no fulfillment');
  return toFulfillmentTask(record, NOW, world.deps.settings);
}

const dispatched = (r: FulfillmentRecord): FulfillmentRecord => {
  const result = applyFulfillmentEvent(r, { type: 'DISPATCHED', at: NOW.toISOString() });
  if (result.outcome !== 'applied') throw new Error('not dispatched');
  return { ...r, ...result.state };
};

describe('purchase-order and cancellation files', () => {
  const record = (): FulfillmentRecord => ({
    orderId: ORDER_ID,
    fulfillmentId: F1,
    supplierId: 'nordic-home',
    channelId: 'demo-web',
    status: 'PENDING',
    lines: [{ lineNo: 1, quantity: 2 }, { lineNo: 2, quantity: 1 }],
    purchaseLines: [
      { lineNo: 1, sku: 'TSHIRT-BLK-M', supplierSku: 'NH-TS-0101-M', quantity: 2, unitCostMinor: 980, unitPriceMinor: 1999, title: 'T-shirt, "black", M' },
      { lineNo: 2, sku: 'MUG-ENAMEL-WHT', supplierSku: 'NH-MG-2201', quantity: 1, unitCostMinor: 510, unitPriceMinor: 1490 },
    ],
    zoneId: 'EU',
    shippingMethod: { code: 'STANDARD', name: 'DHL Paket', transitDaysMin: 2, transitDaysMax: 4, costMinor: 490 },
    promise: { shipBy: '2026-11-26', deliverBy: '2026-12-02' } as FulfillmentRecord['promise'],
    wholesaleCostMinor: 2470,
    shippingCostMinor: 490,
    landedCostMinor: 2960,
    acceptanceSlaMinutes: 60,
    shipments: [],
    exceptions: [],
    appliedEventIds: [],
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    version: 1,
  });

  it('CSV: one row per line with everything needed to ship, read back with a CSV parser', () => {
    const o = order({ externalOrderName: '#1001', shippingAddress: { name: '=HYPERLINK("http://x")', company: 'Acme, Inc.', line1: 'Invalidenstrasse 117', city: 'Berlin', postcode: '10115', country: 'DE', phone: '+49 30 5550 9876' } });
    const message = purchaseOrderMessage(o, record(), { blindShipping: true }, CHANNEL, NOW, { packingSlipKey: SLIP });
    const csv = purchaseOrderCsv(message);
    expect(csv.split('\r\n')[0]).toBe(PURCHASE_ORDER_CSV_COLUMNS.join(','));
    const rows = parse(csv, { columns: true }) as Record<string, string>[];
    expect(rows).toEqual([
      {
        fulfillment_id: F1,
        order_ref: '#1001',
        issued_at: NOW.toISOString(),
        accept_by: '2026-11-25T11:00:00.000Z',
        ship_by: '2026-11-26',
        deliver_by: '2026-12-02',
        line_no: '1',
        supplier_sku: 'NH-TS-0101-M',
        title: 'T-shirt, "black", M',
        quantity: '2',
        ship_to_name: `'=HYPERLINK("http://x")`,
        ship_to_company: 'Acme, Inc.',
        ship_to_line1: 'Invalidenstrasse 117',
        ship_to_line2: '',
        ship_to_city: 'Berlin',
        ship_to_region: '',
        ship_to_postcode: '10115',
        ship_to_country: 'DE',
        ship_to_phone: '+49 30 5550 9876',
        shipping_method_code: 'STANDARD',
        shipping_method_name: 'DHL Paket',
        blind_shipping: 'true',
        packing_slip_key: SLIP,
      },
      expect.objectContaining({ line_no: '2', supplier_sku: 'NH-MG-2201', title: '', quantity: '1', fulfillment_id: F1, ship_to_city: 'Berlin' }),
    ]);
  });

  it.each([
    ['plain', 'plain'],
    ['a, b', '"a, b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    [' padded', '" padded"'],
    ['=1+2', "'=1+2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['-2+3', "'-2+3"],
    ['+44 20 7946 0958', '+44 20 7946 0958'],
    ['-5', '-5'],
  ])('CSV cell %j → %j', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it('cancellation CSV: fulfillment id, issue time, reason', async () => {
    const csv = (await import('../../../functions/core/suppliers/services/supplier-outbound')).cancellationCsv(cancellationMessage(F1, 'SHIP_BY_PASSED', NOW));
    expect(parse(csv, { columns: true })).toEqual([{ fulfillment_id: F1, issued_at: NOW.toISOString(), reason: 'SHIP_BY_PASSED' }]);
    expect(csv.split('\r\n')[0]).toBe(CANCELLATION_CSV_COLUMNS.join(','));
  });
});

describe('Dispatch with the supplier files bucket', () => {
  it('sqs supplier: packing slip in its outbox, PURCHASE_ORDER with packingSlipKey, documents on the fulfillment', async () => {
    const fulfillment = await task();
    await expect(dispatch(deps(), { taskToken: TOKEN, fulfillment })).resolves.toEqual({ action: 'waiting', status: 'DISPATCHED' });

    expect(puts()).toEqual([SLIP]);
    expect(bucket.objects.get(SLIP)?.contentType).toBe('application/pdf');
    const slip = await readPdf(bucket.bytes(SLIP));
    expect(slip.pages[0]?.[0]).toBe('Northwind Goods'); // nordic-home ships blind: retailer-branded
    expect(slip.text).toContain('NH-TS-0101-M');
    expect(slip.text).not.toMatch(/nordic/i);

    const messages = sent();
    expect(messages).toHaveLength(1);
    expect(messages[0]?.url).toBe(queueUrl('nordic-home', 'outbound'));
    expect(PurchaseOrderMessage.parse(messages[0]?.body)).toMatchObject({ type: 'PURCHASE_ORDER', fulfillmentId: F1, packingSlipKey: SLIP });
    expect(storedFulfillment(table, F1)).toMatchObject({ status: 'DISPATCHED', documents: { packingSlipKey: SLIP }, version: 2 });
    expect(timelineTypes(table)).toEqual(['FulfillmentDispatched']);
  });

  it('file supplier: purchase-order CSV (default) and packing slip in its outbox, no queue message', async () => {
    setSupplier(table, 'nordic-home', { channel: 'file', blindShipping: false });
    const fulfillment = await task();
    await expect(dispatch(deps(), { taskToken: TOKEN, fulfillment })).resolves.toEqual({ action: 'waiting', status: 'DISPATCHED' });

    expect(sent()).toEqual([]);
    expect(puts()).toEqual([SLIP, PO_CSV]);
    expect(bucket.objects.get(PO_CSV)?.contentType).toBe('text/csv; charset=utf-8');
    const rows = parse(bucket.text(PO_CSV), { columns: true }) as Record<string, string>[];
    expect(rows).toEqual([
      expect.objectContaining({ fulfillment_id: F1, order_ref: 'WEB-1001', supplier_sku: 'NH-TS-0101-M', quantity: '2', ship_to_postcode: '10115', ship_by: '2026-11-26', shipping_method_name: 'DHL Paket', blind_shipping: 'false', packing_slip_key: SLIP }),
    ]);
    // Not blind: a neutral slip (no retailer branding, no supplier name).
    const slip = await readPdf(bucket.bytes(SLIP));
    expect(slip.pages[0]?.[0]).toBe('Packing slip');
    expect(slip.text).not.toContain('Northwind');
    expect(storedFulfillment(table, F1)).toMatchObject({ status: 'DISPATCHED', documents: { packingSlipKey: SLIP, purchaseOrderKey: PO_CSV } });
  });

  it('file supplier preferring JSON: the file is the PURCHASE_ORDER message itself', async () => {
    setSupplier(table, 'nordic-home', { channel: 'file', files: { purchaseOrderFormat: 'json' } });
    const fulfillment = await task();
    await dispatch(deps(), { taskToken: TOKEN, fulfillment });
    expect(puts()).toEqual([SLIP, PO_JSON]);
    const po = PurchaseOrderMessage.parse(JSON.parse(bucket.text(PO_JSON)));
    expect(po).toMatchObject({ type: 'PURCHASE_ORDER', messageId: `po-${F1}`, packingSlipKey: SLIP, lines: [{ lineNo: 1, supplierSku: 'NH-TS-0101-M', quantity: 2 }] });
    expect(storedFulfillment(table, F1).documents).toEqual({ packingSlipKey: SLIP, purchaseOrderKey: PO_JSON });
  });

  it('without the files bucket (old environment): everything over SQS as before, even for a file supplier', async () => {
    setSupplier(table, 'nordic-home', { channel: 'file' });
    const fulfillment = await task();
    await dispatch(deps(false), { taskToken: TOKEN, fulfillment });
    expect(puts()).toEqual([]);
    expect(sent()).toHaveLength(1);
    expect(sent()[0]?.body).not.toHaveProperty('packingSlipKey');
    expect(storedFulfillment(table, F1)).not.toHaveProperty('documents');
  });

  it('re-dispatch is idempotent: the same keys are written again, the same messageId sent, nothing recorded twice', async () => {
    setSupplier(table, 'nordic-home', { channel: 'file' });
    const fulfillment = await task();
    await dispatch(deps(), { taskToken: TOKEN, fulfillment });
    const first = { slip: bucket.bytes(SLIP), po: bucket.text(PO_CSV), record: storedFulfillment(table, F1) };
    world.advance(120_000);

    await expect(dispatch(deps(), { taskToken: 'token-2', fulfillment })).resolves.toEqual({ action: 'waiting', status: 'DISPATCHED' });
    expect(puts()).toEqual([SLIP, PO_CSV, SLIP, PO_CSV]);
    // Re-issued as first issued: byte-identical slip, identical purchase order.
    expect(Buffer.from(bucket.bytes(SLIP)).equals(Buffer.from(first.slip))).toBe(true);
    expect(bucket.text(PO_CSV)).toBe(first.po);
    expect(storedFulfillment(table, F1)).toEqual(first.record);
    expect(timelineTypes(table)).toEqual(['FulfillmentDispatched']);
  });

  it('re-dispatch of a fulfillment dispatched before the bucket existed records its documents (one small update)', async () => {
    const fulfillment = await task(dispatched);
    const before = storedFulfillment(table, F1);
    await dispatch(deps(), { taskToken: TOKEN, fulfillment });
    expect(sent()).toHaveLength(1);
    expect(storedFulfillment(table, F1)).toEqual({ ...before, documents: { packingSlipKey: SLIP }, version: before.version + 1 });
  });

  it('a failed upload fails the task before anything is sent or recorded (retried by the state machine)', async () => {
    s3Mock.on(PutObjectCommand).rejects(Object.assign(new Error('slow down'), { name: 'SlowDown', $fault: 'server' }));
    const fulfillment = await task();
    await expect(dispatch(deps(), { taskToken: TOKEN, fulfillment })).rejects.toMatchObject({ name: 'SlowDown' });
    expect(sent()).toEqual([]);
    expect(storedFulfillment(table, F1)).toMatchObject({ status: 'PENDING' });
    expect(storedFulfillment(table, F1)).not.toHaveProperty('documents');
  });

  it('GET /orders/{id} shows the documents per fulfillment', async () => {
    setSupplier(table, 'nordic-home', { channel: 'file' });
    const fulfillment = await task();
    await dispatch(deps(), { taskToken: TOKEN, fulfillment });
    const view = await getOrderView(world.store, ORDER_ID);
    if (view === undefined) throw new Error('no order');
    const response = toOrderViewResponse(view.order, view.timeline, view.fulfillments);
    expect(response.fulfillments).toEqual([
      { fulfillmentId: F1, supplierId: 'nordic-home', status: 'DISPATCHED', lines: [{ lineNo: 1, quantity: 2 }], documents: { packingSlipKey: SLIP, purchaseOrderKey: PO_CSV } },
    ]);
    // Public view: no costs, no customer address in the fulfillment entries.
    expect(JSON.stringify(response.fulfillments)).not.toMatch(/Cost|Invalidenstrasse/);
  });
});

describe('Cancellations with the supplier files bucket', () => {
  const CANCEL_CSV = `suppliers/nordic-home/outbox/cancellations/${F1}.csv`;
  const accepted = (r: FulfillmentRecord): FulfillmentRecord => {
    const d = dispatched(r);
    const result = applyFulfillmentEvent(d, { type: 'ACCEPTED', at: NOW.toISOString() });
    if (result.outcome !== 'applied') throw new Error('not accepted');
    return { ...d, ...result.state };
  };

  it('file supplier: the cancellation is a file in its outbox, recorded next to the other documents', async () => {
    setSupplier(table, 'nordic-home', { channel: 'file' });
    const fulfillment = await task(accepted);
    table.seed({ ...storedFulfillment(table, F1), documents: { packingSlipKey: SLIP, purchaseOrderKey: PO_CSV } });

    const result = await cancelFulfillment({ ...world.deps, outbound: outbound() }, { fulfillment, reason: 'SHIP_BY_PASSED' });
    expect(result).toMatchObject({ outcome: 'CANCELLED' });
    expect(sent()).toEqual([]);
    expect(puts()).toEqual([CANCEL_CSV]);
    expect(parse(bucket.text(CANCEL_CSV), { columns: true })).toEqual([{ fulfillment_id: F1, issued_at: NOW.toISOString(), reason: 'SHIP_BY_PASSED' }]);
    expect(storedFulfillment(table, F1)).toMatchObject({
      status: 'CANCELLED',
      cancellationSentAt: NOW.toISOString(),
      documents: { packingSlipKey: SLIP, purchaseOrderKey: PO_CSV, cancellationKey: CANCEL_CSV },
    });
  });

  it('file supplier preferring JSON: the file is the CANCELLATION message; a fulfillment without documents gets the map', async () => {
    setSupplier(table, 'nordic-home', { channel: 'file', files: { purchaseOrderFormat: 'json' } });
    await task(accepted);
    const key = `suppliers/nordic-home/outbox/cancellations/${F1}.json`;
    await expect(sendToSupplier(outbound(), 'nordic-home', cancellationMessage(F1, 'ORDER_CANCELLED', NOW))).resolves.toBe('sent');
    expect(CancellationMessage.parse(JSON.parse(bucket.text(key)))).toEqual({ type: 'CANCELLATION', messageId: `cancel-${F1}`, fulfillmentId: F1, issuedAt: NOW.toISOString(), reason: 'ORDER_CANCELLED' });
    expect(storedFulfillment(table, F1).documents).toEqual({ cancellationKey: key });
  });

  it('sqs supplier: the CANCELLATION message as before, no file', async () => {
    await task(accepted);
    await expect(sendToSupplier(outbound(), 'nordic-home', cancellationMessage(F1, 'ORDER_CANCELLED', NOW))).resolves.toBe('sent');
    expect(puts()).toEqual([]);
    expect(sent()).toEqual([{ url: queueUrl('nordic-home', 'outbound'), body: expect.objectContaining({ type: 'CANCELLATION', fulfillmentId: F1 }) }]);
  });
});
