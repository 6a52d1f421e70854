import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient, type SendMessageBatchCommandInput } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { parse } from 'csv-parse/sync';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { applyFulfillmentEvent } from '../../../functions/core/workflow/domain/fulfillment-events';
import type { WorkflowOrder } from '../../../functions/core/orders/domain/order';
import { AcceptedMessage, RejectedMessage, ShippedMessage, SupplierInboundMessage } from '../../../functions/core/suppliers/schemas/supplier-messages';
import { SupplierFilesDirectory } from '../../../functions/core/suppliers/services/file-reports';
import { fileMessageId } from '../../../functions/core/suppliers/services/message-plans';
import { handleMessageFileEvent, processMessageFile, sendToInbound, type MessageFileDeps } from '../../../functions/core/suppliers/services/message-files';
import { handleSupplierMessage, type InboundDeps } from '../../../functions/core/suppliers/services/supplier-inbound';
import type { FulfillmentRecord } from '../../../functions/core/workflow/domain/fulfillment-record';
import { FakeTable } from '../workflow/support/fake-table';
import { F1, NOW, catalogItems, makeWorld, order, queueUrl, routedOrder, sqsClient, storedFulfillment, type World } from '../workflow/support/world';
import { FakeBucket, FILES_BUCKET, s3Client } from './support/files';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sfnMock = mockClient(SFNClient);
const sqsMock = mockClient(SQSClient);
const s3Mock = mockClient(S3Client);
let table: FakeTable;
let world: World;
let bucket: FakeBucket;
let count: ReturnType<typeof vi.fn<(name: string, value: number, supplierId?: string) => void>>;

const UPS_1 = '1Z5R89390357567127';
const UPS_2 = '1Z879E930346834440';
const ETAG = '9b2cf535f27731c974343645a3985328';
const RECEIVED_AT = '2026-11-25T15:00:00.000Z';

/** Two lines, both served by nordic-home (one fulfillment F1 with lines 1 and 2). */
const twoLineOrder = (): WorkflowOrder =>
  order({
    lines: [
      { lineNo: 1, sku: 'TSHIRT-BLK-M', quantity: 2, unitPriceMinor: 1999 },
      { lineNo: 2, sku: 'MUG-ENAMEL-WHT', quantity: 1, unitPriceMinor: 1490 },
    ],
  });

function advance(r: FulfillmentRecord, ...types: ('DISPATCHED' | 'ACCEPTED')[]): FulfillmentRecord {
  return types.reduce<FulfillmentRecord>((state, type) => {
    const result = applyFulfillmentEvent(state, { type, at: NOW.toISOString() });
    if (result.outcome !== 'applied') throw new Error(`${type} not applied`);
    return { ...state, ...result.state };
  }, r);
}

beforeEach(() => {
  ddbMock.reset();
  sfnMock.reset();
  sqsMock.reset();
  s3Mock.reset();
  sfnMock.resolves({});
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm' });
  sqsMock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({ Successful: (input.Entries ?? []).map((e) => ({ Id: e.Id, MessageId: `sqs-${e.Id}`, MD5OfMessageBody: '' })), Failed: [] }));
  table = new FakeTable();
  table.install(ddbMock);
  table.seed(...catalogItems());
  world = makeWorld(table);
  bucket = new FakeBucket();
  bucket.install(s3Mock);
  count = vi.fn<(name: string, value: number, supplierId?: string) => void>();
});

const fileDeps = (): MessageFileDeps => ({
  store: world.store,
  s3: s3Client,
  sqs: world.sqs,
  bucket: FILES_BUCKET,
  suppliers: world.suppliers,
  supplierFiles: new SupplierFilesDirectory([
    { supplierId: 'nordic-home', channel: 'file', roleId: 'AROANORDICHOME' },
    { supplierId: 'atlantic-outfitters', channel: 'file', roleId: 'AROAATLANTIC' },
    { supplierId: 'pacific-gadgets', channel: 'sqs' },
  ]),
  now: () => new Date(world.clock.ms),
  logger: world.deps.logger,
  metrics: { count },
});

const inboundDeps = (): InboundDeps => ({ ...world.deps, sfn: world.sfn, sqs: world.sqs, suppliers: world.suppliers, metrics: world.metrics });

async function drop(supplierId: string, folder: 'tracking' | 'acknowledgements', name: string, csv: string, options: { etag?: string; principalId?: string } = {}) {
  const key = `suppliers/${supplierId}/inbox/${folder}/${name}`;
  bucket.put(key, csv);
  const outcome = await processMessageFile(fileDeps(), {
    bucket: FILES_BUCKET,
    key,
    etag: options.etag ?? ETAG,
    principalId: options.principalId ?? `AWS:AROA${supplierId === 'nordic-home' ? 'NORDICHOME' : 'ATLANTIC'}:${supplierId}`,
    receivedAt: RECEIVED_AT,
  });
  return { key, outcome };
}

/** Every message sent to inbound queues, parsed with the inbound contract. */
const sentMessages = () =>
  sqsMock.commandCalls(SendMessageBatchCommand).flatMap((c) =>
    (c.args[0].input.Entries ?? []).map((e) => ({ queueUrl: c.args[0].input.QueueUrl, message: SupplierInboundMessage.parse(JSON.parse(e.MessageBody ?? '{}')) })),
  );

type Report = { status: string; rows: number; written: number; rejected: number; rejectedRows: { row: number; field: string; reason: string; value?: string }[]; warnings: { row: number; code: string }[]; reason?: string };
const report = (supplierId: string, folder: string, name: string): Report =>
  JSON.parse(bucket.text(`suppliers/${supplierId}/outbox/reports/${folder}/${name}.${ETAG.slice(0, 8)}.report.json`)) as Report;
const fileRecord = (supplierId: string, kind: string, key: string) => table.get(`FILE#${supplierId}`, `${kind}#${key}#${ETAG}`);

describe('tracking files', () => {
  it('rows become the SHIPPED messages an SQS supplier would send, on its inbound queue, one per parcel', async () => {
    await routedOrder(world, twoLineOrder(), (r) => advance(r, 'DISPATCHED', 'ACCEPTED'));
    const csv = [
      'fulfillment_id,carrier,tracking_number,ship_date,line_no,supplier_sku,quantity',
      `${F1},UPS,${UPS_1},2026-11-25,1,,2`,
      `${F1},UPS,${UPS_2},2026-11-25T11:30:00Z,,NH-MG-2201,1`,
    ].join('\n');
    const { key, outcome } = await drop('nordic-home', 'tracking', 'today.csv', csv);
    expect(outcome).toEqual({ status: 'APPLIED', rows: 2, messages: 2, rejected: 0, reportKey: undefined });

    const messages = sentMessages();
    expect(messages.map((m) => m.queueUrl)).toEqual([queueUrl('nordic-home', 'inbound'), queueUrl('nordic-home', 'inbound')]);
    // Exactly what a supplier with an API sends (ShippedMessage), ids derived from key + ETag + row.
    expect(messages.map((m) => m.message)).toEqual([
      ShippedMessage.parse({ type: 'SHIPPED', messageId: fileMessageId('TRACKING', key, ETAG, 2), fulfillmentId: F1, occurredAt: '2026-11-25T12:00:00.000Z', carrier: 'UPS', trackingNumber: UPS_1, lines: [{ lineNo: 1, quantity: 2 }] }),
      ShippedMessage.parse({ type: 'SHIPPED', messageId: fileMessageId('TRACKING', key, ETAG, 3), fulfillmentId: F1, occurredAt: '2026-11-25T11:30:00Z', carrier: 'UPS', trackingNumber: UPS_2, lines: [{ supplierSku: 'NH-MG-2201', quantity: 1 }] }),
    ]);
    expect(fileRecord('nordic-home', 'TRACKING', key)).toMatchObject({ status: 'APPLIED', rows: 2, written: 2, rejected: 0 });
    expect(bucket.objects.has(`suppliers/nordic-home/outbox/reports/tracking/today.csv.${ETAG.slice(0, 8)}.report.json`)).toBe(false);
  });

  it('drives the same transitions as the SQS message (applied by the same consumer)', async () => {
    await routedOrder(world, twoLineOrder(), (r) => advance(r, 'DISPATCHED', 'ACCEPTED'));
    const before = storedFulfillment(table, F1);
    await drop('nordic-home', 'tracking', 'one.csv', `fulfillment_id,carrier,tracking_number,ship_date,line_no,quantity\n${F1},UPS,${UPS_1},2026-11-25,1,2\n${F1},UPS,${UPS_1},2026-11-25,2,1\n`);
    const [fromFile] = sentMessages();
    if (fromFile === undefined) throw new Error('nothing sent');
    await expect(handleSupplierMessage(inboundDeps(), { supplierId: 'nordic-home', body: JSON.stringify(fromFile.message) })).resolves.toMatchObject({ kind: 'applied' });
    const viaFile = storedFulfillment(table, F1);

    // The twin: the same parcel sent by an API supplier over SQS, applied to the fulfillment as it was.
    table.seed({ ...before });
    const apiMessage = { type: 'SHIPPED', messageId: 'api-0001', fulfillmentId: F1, occurredAt: '2026-11-25T12:00:00.000Z', carrier: 'UPS', trackingNumber: UPS_1, lines: [{ lineNo: 1, quantity: 2 }, { lineNo: 2, quantity: 1 }] };
    await expect(handleSupplierMessage(inboundDeps(), { supplierId: 'nordic-home', body: JSON.stringify(apiMessage) })).resolves.toMatchObject({ kind: 'applied' });
    const viaSqs = storedFulfillment(table, F1);

    const comparable = (r: FulfillmentRecord & Record<string, unknown>) => ({ status: r.status, shipments: r.shipments, lines: r.lines, version: r.version });
    expect(comparable(viaFile)).toEqual(comparable(viaSqs));
    expect(viaFile.shipments).toEqual([expect.objectContaining({ trackingNumber: UPS_1, carrier: 'UPS', lines: [{ lineNo: 1, quantity: 2 }, { lineNo: 2, quantity: 1 }] })]);
  });

  it.each<[string, string, string | undefined]>([
    ['a date: 12:00 UTC that day', '2026-11-25', '2026-11-25T12:00:00.000Z'],
    ['an earlier date', '2026-11-24', '2026-11-24T12:00:00.000Z'],
    ["tomorrow's date (time zones ahead of UTC): not after the file arrived", '2026-11-26', RECEIVED_AT],
    ['a timestamp with time zone, as given', '2026-11-25T14:05:00+01:00', '2026-11-25T14:05:00+01:00'],
    ['no ship date: when the file arrived', '', RECEIVED_AT],
    ['a date after tomorrow', '2026-11-27', undefined],
    ['a timestamp after the file arrived', '2026-11-25T16:00:00Z', undefined],
  ])('ship_date %s', async (_name, shipDate, occurredAt) => {
    await routedOrder(world, order(), (r) => advance(r, 'DISPATCHED', 'ACCEPTED'));
    await drop('nordic-home', 'tracking', 'dates.csv', `fulfillment_id,carrier,tracking_number,ship_date,line_no,quantity\n${F1},UPS,${UPS_1},${shipDate},1,2\n`);
    if (occurredAt === undefined) {
      expect(sentMessages()).toEqual([]);
      expect(report('nordic-home', 'tracking', 'dates.csv').rejectedRows).toEqual([expect.objectContaining({ row: 2, field: 'ship_date', reason: 'is in the future' })]);
    } else {
      expect(sentMessages()[0]?.message).toMatchObject({ occurredAt });
    }
  });

  it('a ship date on the day of an afternoon acceptance is not placed before the acceptance', async () => {
    await routedOrder(world, order(), (r) => {
      const d = advance(r, 'DISPATCHED');
      const result = applyFulfillmentEvent(d, { type: 'ACCEPTED', at: '2026-11-25T13:30:00.000Z' });
      if (result.outcome !== 'applied') throw new Error('not accepted');
      return { ...d, ...result.state };
    });
    await drop('nordic-home', 'tracking', 'late.csv', `fulfillment_id,carrier,tracking_number,ship_date,line_no,quantity\n${F1},UPS,${UPS_1},2026-11-25,1,2\n`);
    expect(sentMessages()[0]?.message).toMatchObject({ occurredAt: '2026-11-25T13:30:00.000Z' });
  });

  it('bad rows go to the rejected-row report (row = spreadsheet line, field, reason, value); good rows are still sent', async () => {
    await routedOrder(world, twoLineOrder(), (r) => advance(r, 'DISPATCHED', 'ACCEPTED'));
    const csv = [
      '\uFEFFPO Number,Carrier,Tracking No,Ship Date,Line,Qty,Notes', // BOM, aliases, an unknown column
      `${F1},UPS,${UPS_1},2026-11-25,1,2,"fragile, handle with care"`,
      '',
      `${F1},UPS,1Z5R89390357567128,2026-11-25,2,1,`, // wrong check digit
      `ful_nope,UPS,${UPS_2},2026-11-25,1,1,`, // not a fulfillment id
      `${F1},UPS,${UPS_2},2026-13-40,2,1,`, // bad date
      `${F1},UPS,${UPS_2},2026-11-25,,1,`, // no line
      `${F1},UPS,${UPS_2},2026-11-25,7,1,`, // line not in the PO
      `${F1},DHL,${UPS_2},2026-11-25,2,0,`, // quantity 0
    ].join('\r\n');
    const { outcome } = await drop('nordic-home', 'tracking', 'mixed.csv', csv);
    expect(outcome).toMatchObject({ status: 'APPLIED', rows: 7, messages: 1, rejected: 6 });
    expect(sentMessages().map((m) => m.message)).toEqual([expect.objectContaining({ type: 'SHIPPED', trackingNumber: UPS_1, lines: [{ lineNo: 1, quantity: 2 }] })]);

    const r = report('nordic-home', 'tracking', 'mixed.csv');
    expect(r).toMatchObject({ status: 'APPLIED', rows: 7, written: 1, rejected: 6 });
    expect(r.warnings).toEqual([expect.objectContaining({ row: 1, code: 'UNKNOWN_COLUMN' })]);
    expect(r.rejectedRows.map((x) => [x.row, x.field])).toEqual([
      [4, 'tracking_number (Tracking No)'],
      [5, 'fulfillment_id (PO Number)'],
      [6, 'ship_date (Ship Date)'],
      [7, 'line_no (Line)'],
      [8, 'line_no (Line)'],
      [9, 'quantity (Qty)'],
    ]);
    expect(r.rejectedRows[0]).toMatchObject({ value: '1Z5R89390357567128', reason: expect.stringMatching(/not a valid UPS tracking number/) });
    expect(r.rejectedRows[3]?.reason).toMatch(/line_no or supplier_sku/);
    expect(r.rejectedRows[4]?.reason).toMatch(/not in the purchase order/);
    // The CSV twin has the same rows.
    const twin = parse(bucket.text(`suppliers/nordic-home/outbox/reports/tracking/mixed.csv.${ETAG.slice(0, 8)}.report.csv`), { columns: true }) as Record<string, string>[];
    expect(twin.filter((t) => t.field !== '').map((t) => Number(t.row))).toEqual([4, 5, 6, 7, 8, 9]);
    expect(count).toHaveBeenCalledWith('FeedRowsRejected', 6, 'nordic-home');
  });

  it("a fulfillment of another supplier is refused (never sent), like SUPPLIER_MISMATCH on the queue", async () => {
    await routedOrder(world, order(), (r) => advance(r, 'DISPATCHED', 'ACCEPTED')); // F1 belongs to nordic-home
    const { outcome } = await drop('atlantic-outfitters', 'tracking', 'theirs.csv', `fulfillment_id,carrier,tracking_number,line_no,quantity\n${F1},UPS,${UPS_1},1,2\n`);
    expect(outcome).toMatchObject({ status: 'APPLIED', messages: 0, rejected: 1 });
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
    expect(report('atlantic-outfitters', 'tracking', 'theirs.csv').rejectedRows).toEqual([
      { row: 2, field: 'fulfillment_id', reason: expect.stringMatching(/not one of your purchase orders/), value: F1 },
    ]);
    expect(count).toHaveBeenCalledWith('SupplierMismatch', 1, 'atlantic-outfitters');
    expect(storedFulfillment(table, F1).shipments).toEqual([]);
  });

  it('a parcel is sent whole or not at all; the consumer rules apply before sending (over-shipment reported, not dead-lettered)', async () => {
    await routedOrder(world, twoLineOrder(), (r) => advance(r, 'DISPATCHED', 'ACCEPTED'));
    const csv = [
      'fulfillment_id,carrier,tracking_number,line_no,quantity',
      `${F1},UPS,${UPS_1},1,2`,
      `${F1},UPS,${UPS_1},2,5`, // same parcel, line 2 has only 1
      `${F1},UPS,${UPS_2},1,1`, // a second parcel for line 1: over-shipped after the first? (first parcel is rejected, so fine)
      `${F1},FedEx,${UPS_2},2,1`, // same parcel, another carrier
    ].join('\n');
    await drop('nordic-home', 'tracking', 'parcels.csv', csv);
    expect(sentMessages()).toEqual([]);
    const rows = report('nordic-home', 'tracking', 'parcels.csv').rejectedRows;
    expect(rows.map((x) => [x.row, x.field])).toEqual([
      [2, 'quantity'],
      [3, 'quantity'],
      [4, 'carrier'],
      [5, 'carrier'],
    ]);
    expect(rows[0]?.reason).toMatch(/OVER_SHIPPED/);
  });

  it('a file without a required column is quarantined whole: copy for operators, report, nothing sent', async () => {
    await routedOrder(world, order(), (r) => advance(r, 'DISPATCHED', 'ACCEPTED'));
    const { key, outcome } = await drop('nordic-home', 'tracking', 'broken.csv', `fulfillment_id,carrier,line_no,quantity\n${F1},UPS,1,2\n`);
    expect(outcome).toMatchObject({ status: 'QUARANTINED', reason: 'missing required column: tracking_number' });
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
    expect(bucket.text('quarantine/nordic-home/tracking/broken.csv')).toContain('fulfillment_id,carrier');
    expect(report('nordic-home', 'tracking', 'broken.csv')).toMatchObject({ status: 'QUARANTINED', reason: 'missing required column: tracking_number' });
    expect(fileRecord('nordic-home', 'TRACKING', key)).toMatchObject({ status: 'QUARANTINED', gsi3pk: 'EXCEPTION#FILE_QUARANTINED' });
    expect(count).toHaveBeenCalledWith('SupplierFilesQuarantined', 1, 'nordic-home');
  });

  it('an unreadable CSV (unclosed quote) is quarantined', async () => {
    const { outcome } = await drop('nordic-home', 'tracking', 'quote.csv', `fulfillment_id,carrier,tracking_number,line_no,quantity\n"${F1},UPS,${UPS_1},1,2\n`);
    expect(outcome).toMatchObject({ status: 'QUARANTINED', reason: expect.stringMatching(/^not readable as CSV/) });
  });

  it('the same file (key + ETag) twice: applied once, the replay changes nothing', async () => {
    await routedOrder(world, order(), (r) => advance(r, 'DISPATCHED', 'ACCEPTED'));
    const csv = `fulfillment_id,carrier,tracking_number,line_no,quantity\n${F1},UPS,${UPS_1},1,2\n`;
    await drop('nordic-home', 'tracking', 'again.csv', csv);
    const { outcome } = await drop('nordic-home', 'tracking', 'again.csv', csv);
    expect(outcome).toEqual({ status: 'REPLAY' });
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
  });

  it('a file written by ANOTHER supplier\'s access role is refused: no report in the owner\'s outbox, nothing sent', async () => {
    const { key, outcome } = await drop('nordic-home', 'tracking', 'forged.csv', `fulfillment_id,carrier,tracking_number,line_no,quantity\n${F1},UPS,${UPS_1},1,2\n`, {
      principalId: 'AWS:AROAATLANTIC:atlantic-outfitters',
    });
    expect(outcome).toEqual({ status: 'REFUSED', reason: 'FOREIGN_ROLE' });
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
    expect([...bucket.objects.keys()].filter((k) => k.includes('/outbox/'))).toEqual([]);
    expect(fileRecord('nordic-home', 'TRACKING', key)).toMatchObject({ status: 'REFUSED' });
    expect(count).toHaveBeenCalledWith('SupplierFilesRefused', 1);
  });
});

describe('acknowledgement files', () => {
  const dispatchedOrder = () => routedOrder(world, twoLineOrder(), (r) => advance(r, 'DISPATCHED'));

  it('ACCEPTED row → the ACCEPTED message (estimated ship date kept), applied by the consumer', async () => {
    await dispatchedOrder();
    const { key, outcome } = await drop('nordic-home', 'acknowledgements', 'acks.csv', `fulfillment_id,status,estimated_ship_date\n${F1},accepted,2026-11-26\n`);
    expect(outcome).toMatchObject({ status: 'APPLIED', messages: 1, rejected: 0 });
    const [sent] = sentMessages();
    expect(sent?.message).toEqual(AcceptedMessage.parse({ type: 'ACCEPTED', messageId: fileMessageId('ACKNOWLEDGEMENT', key, ETAG, 2), fulfillmentId: F1, occurredAt: RECEIVED_AT, estimatedShipDate: '2026-11-26' }));
    await expect(handleSupplierMessage(inboundDeps(), { supplierId: 'nordic-home', body: JSON.stringify(sent?.message) })).resolves.toMatchObject({ kind: 'applied', status: 'ACCEPTED' });
  });

  it('REJECTED rows per line (by line number or supplier SKU) → one REJECTED message with a reason per line', async () => {
    await dispatchedOrder();
    const csv = ['fulfillment_id,status,line_no,supplier_sku,reason,message', `${F1},REJECTED,1,,out_of_stock,Back in December`, `${F1},REJECTED,,NH-MG-2201,INELIGIBLE_PRODUCT,`].join('\n');
    const { key } = await drop('nordic-home', 'acknowledgements', 'no.csv', csv);
    expect(sentMessages().map((m) => m.message)).toEqual([
      RejectedMessage.parse({
        type: 'REJECTED',
        messageId: fileMessageId('ACKNOWLEDGEMENT', key, ETAG, 2),
        fulfillmentId: F1,
        occurredAt: RECEIVED_AT,
        lines: [
          { lineNo: 1, reason: 'OUT_OF_STOCK', message: 'Back in December' },
          { supplierSku: 'NH-MG-2201', reason: 'INELIGIBLE_PRODUCT' },
        ],
      }),
    ]);
  });

  it('a REJECTED row without a line rejects every line of the purchase order (reason OTHER when none is given)', async () => {
    await dispatchedOrder();
    await drop('nordic-home', 'acknowledgements', 'all.csv', `fulfillment_id,status\n${F1},REJECTED\n`);
    expect(sentMessages()[0]?.message).toMatchObject({ type: 'REJECTED', lines: [{ lineNo: 1, reason: 'OTHER' }, { lineNo: 2, reason: 'OTHER' }] });
  });

  it.each<[string, string, [number, string][]]>([
    ['both accepted and rejected in one file', `${F1},ACCEPTED,,\n${F1},REJECTED,1,OUT_OF_STOCK`, [[2, 'status'], [3, 'status']]],
    ['an unknown status', `${F1},MAYBE,,`, [[2, 'status']]],
    ['a reason on an ACCEPTED row', `${F1},ACCEPTED,,OUT_OF_STOCK`, [[2, 'reason']]],
    ['an unknown reason', `${F1},REJECTED,1,TOO_BUSY`, [[2, 'reason']]],
    ['a line that is not in the purchase order', `${F1},REJECTED,9,OUT_OF_STOCK`, [[2, 'line_no']]],
  ])('rejected: %s', async (_name, rows, expected) => {
    await dispatchedOrder();
    await drop('nordic-home', 'acknowledgements', 'bad.csv', `fulfillment_id,status,line_no,reason\n${rows}\n`);
    expect(sentMessages()).toEqual([]);
    expect(report('nordic-home', 'acknowledgements', 'bad.csv').rejectedRows.map((r) => [r.row, r.field])).toEqual(expected);
  });

  it('accepting a cancelled purchase order is reported to the supplier instead of being sent', async () => {
    await routedOrder(world, twoLineOrder(), (r) => {
      const d = advance(r, 'DISPATCHED');
      return { ...d, status: 'CANCELLED', cancelledAt: NOW.toISOString(), cancelReason: 'ORDER_CANCELLED' };
    });
    await drop('nordic-home', 'acknowledgements', 'late.csv', `fulfillment_id,status\n${F1},ACCEPTED\n`);
    expect(sentMessages()).toEqual([]);
    expect(report('nordic-home', 'acknowledgements', 'late.csv').rejectedRows).toEqual([
      expect.objectContaining({ row: 2, field: 'status', reason: expect.stringMatching(/cancelled or rejected.*ACCEPTED_AFTER_CLOSE/) }),
    ]);
  });
});

describe('sending and the S3 event handler', () => {
  it('SendMessageBatch: 10 per call, entries SQS reports as failed are sent again', async () => {
    const messages = Array.from({ length: 12 }, (_, i) => AcceptedMessage.parse({ type: 'ACCEPTED', messageId: `m-${i}`, fulfillmentId: F1, occurredAt: RECEIVED_AT }));
    let failedOnce = false;
    sqsMock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => {
      const entries = input.Entries ?? [];
      if (!failedOnce) {
        failedOnce = true;
        return { Successful: entries.slice(1).map((e) => ({ Id: e.Id, MessageId: 'x', MD5OfMessageBody: '' })), Failed: [{ Id: entries[0]?.Id, Code: 'InternalError', SenderFault: false }] };
      }
      return { Successful: entries.map((e) => ({ Id: e.Id, MessageId: 'x', MD5OfMessageBody: '' })), Failed: [] };
    });
    await sendToInbound(sqsClient, queueUrl('nordic-home', 'inbound'), messages);
    const calls = sqsMock.commandCalls(SendMessageBatchCommand).map((c) => (c.args[0].input.Entries ?? []).length);
    expect(calls).toEqual([10, 1, 2]);
    const bodies = sqsMock.commandCalls(SendMessageBatchCommand).flatMap((c) => (c.args[0].input.Entries ?? []).map((e) => (JSON.parse(e.MessageBody ?? '{}') as { messageId: string }).messageId));
    expect(new Set(bodies).size).toBe(12);
  });

  it('the handler decodes the S3 event key (+ = space) and reads who wrote the object', async () => {
    await routedOrder(world, order(), (r) => advance(r, 'DISPATCHED', 'ACCEPTED'));
    const key = 'suppliers/nordic-home/inbox/tracking/week 48.csv';
    bucket.put(key, `fulfillment_id,carrier,tracking_number,line_no,quantity\n${F1},UPS,${UPS_1},1,2\n`);
    const outcomes = await handleMessageFileEvent(
      {
        Records: [
          {
            eventName: 'ObjectCreated:Put',
            eventTime: RECEIVED_AT,
            userIdentity: { principalId: 'AWS:AROANORDICHOME:nordic-home' },
            s3: { bucket: { name: FILES_BUCKET }, object: { key: 'suppliers/nordic-home/inbox/tracking/week+48.csv', eTag: ETAG, size: 80 } },
          },
          { eventName: 'ObjectRemoved:Delete', s3: { bucket: { name: FILES_BUCKET }, object: { key: 'x' } } },
        ],
      },
      fileDeps(),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['APPLIED', 'IGNORED']);
    expect(table.get(`FILE#nordic-home`, `TRACKING#${key}#${ETAG}`)).toMatchObject({ status: 'APPLIED' });
  });
});
