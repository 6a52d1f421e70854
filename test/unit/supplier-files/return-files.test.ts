/**
 * Returns with file suppliers: RETURN_REQUESTED as an outbox file (CSV or JSON, like purchase orders), and the
 * returns inbox file (`inbox/returns/*.csv`) applied row by row through the inbound consumer's own returns service,
 * against the fake table (aws-sdk-client-mock). Accepted forms and every rejection with its reason are tables.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { parse } from 'csv-parse/sync';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { FulfillmentRecord } from '../../../functions/core/workflow/domain/fulfillment-record';
import { ReturnsConfig } from '../../../functions/core/returns/schemas/returns';
import { requestReturn } from '../../../functions/core/returns/services/request-return';
import { ReturnRequestedMessage } from '../../../functions/core/suppliers/schemas/supplier-messages';
import { SupplierFilesDirectory } from '../../../functions/core/suppliers/services/file-reports';
import { processMessageFile, type MessageFileDeps } from '../../../functions/core/suppliers/services/message-files';
import { applyReturnMessage } from '../../../functions/core/suppliers/services/return-messages';
import { RETURN_REQUEST_CSV_COLUMNS, ReturnFileRow, normalizeDateCell } from '../../../functions/core/supplier-files/schemas/return-files';
import { parseReturnRequestFile, returnFileCsv, returnPlan } from '../../../local/tools/supplier-sim-returns';
import { FakeTable } from '../workflow/support/fake-table';
import { apply, at, catalogItems, dispatched, F1, makeWorld, order, ORDER_ID, routedOrder, timelineTypes, type World } from '../workflow/support/world';
import { FakeBucket, FILES_BUCKET, outboxFiles, s3Client, setSupplier } from './support/files';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sqsMock = mockClient(SQSClient);
const s3Mock = mockClient(S3Client);
let table: FakeTable;
let world: World;
let bucket: FakeBucket;
let count: ReturnType<typeof vi.fn<(name: string, value: number, supplierId?: string) => void>>;

const TRACKING = '1Z5R89390357567127';
const ETAG = '9b2cf535f27731c974343645a3985328';
const HEADER = 'return_id,status,rma,return_name,return_line1,return_city,return_postcode,return_country,reason,carrier,tracking_number,line_no,supplier_sku,condition,date';
const AUTH = { status: 'authorized', rma: 'RMA-7', return_name: 'Returns desk', return_line1: 'Lagerstrasse 5', return_city: 'Hamburg', return_postcode: '20457', return_country: 'DE' };
/** One CSV line of HEADER from named cells (absent = empty). */
const line = (returnId: string, cells: Record<string, string>): string => HEADER.split(',').map((c) => (c === 'return_id' ? returnId : (cells[c] ?? ''))).join(',');

const delivered = (r: FulfillmentRecord): FulfillmentRecord =>
  apply(
    dispatched(r),
    { type: 'ACCEPTED', at: at(5) },
    { type: 'SHIPPED', at: at(60), trackingNumber: TRACKING, lines: r.lines },
    { type: 'TRACKING', at: at(70), trackingNumber: TRACKING, code: 'CARRIER_PICKED_UP' },
    { type: 'DELIVERED', at: at(600), trackingNumber: TRACKING },
  );

const config = () => ReturnsConfig.parse({ defaultPolicy: { windowDays: 30 } });
const inbound = () => ({ ...world.deps, sfn: world.sfn, sqs: world.sqs, suppliers: world.suppliers, metrics: world.metrics, returns: config() });

const fileDeps = (): MessageFileDeps => ({
  store: world.store,
  s3: s3Client,
  sqs: world.sqs,
  bucket: FILES_BUCKET,
  suppliers: world.suppliers,
  supplierFiles: new SupplierFilesDirectory([
    { supplierId: 'nordic-home', channel: 'file', roleId: 'AROANORDICHOME' },
    { supplierId: 'atlantic-outfitters', channel: 'file', roleId: 'AROAATLANTIC' },
  ]),
  now: () => new Date(world.clock.ms),
  logger: world.deps.logger,
  metrics: { count },
  applyReturn: (supplierId, message) => applyReturnMessage(inbound(), supplierId, message),
});

beforeEach(async () => {
  ddbMock.reset();
  sqsMock.reset();
  s3Mock.reset();
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm' });
  table = new FakeTable();
  table.install(ddbMock);
  table.seed(...catalogItems());
  world = makeWorld(table);
  bucket = new FakeBucket();
  bucket.install(s3Mock);
  count = vi.fn<(name: string, value: number, supplierId?: string) => void>();
  await routedOrder(world, order(), delivered);
  world.advance(24 * 3_600_000);
  setSupplier(table, 'nordic-home', { channel: 'file' });
});

async function requested(note?: string): Promise<string> {
  const deps = { store: world.store, now: world.deps.now, logger: world.deps.logger, config: config(), outbound: { sqs: world.sqs, suppliers: world.suppliers, files: outboxFiles(world) } };
  const outcome = await requestReturn(deps, { channelId: 'demo-web', orderId: ORDER_ID, idempotencyKey: `k-${note ?? ''}`, request: { lines: [{ lineNo: 1, quantity: 1 }], reason: 'defective', ...(note === undefined ? {} : { note }) } });
  if (outcome.kind !== 'created') throw new Error('not created');
  return outcome.response.returnId;
}

let drops = 0;
async function drop(csv: string, options: { supplierId?: string; name?: string; etag?: string } = {}) {
  const supplierId = options.supplierId ?? 'nordic-home';
  const name = options.name ?? `answers-${++drops}.csv`;
  const key = `suppliers/${supplierId}/inbox/returns/${name}`;
  bucket.put(key, csv);
  const principalId = `AWS:AROA${supplierId === 'nordic-home' ? 'NORDICHOME' : 'ATLANTIC'}:${supplierId}`;
  const outcome = await processMessageFile(fileDeps(), { bucket: FILES_BUCKET, key, etag: options.etag ?? ETAG, principalId, receivedAt: new Date(world.clock.ms).toISOString() });
  const reportKey = `suppliers/${supplierId}/outbox/reports/returns/${name}.${ETAG.slice(0, 8)}.report.json`;
  const report = bucket.objects.has(reportKey)
    ? (JSON.parse(bucket.text(reportKey)) as { rejectedRows: { row: number; field: string; reason: string }[]; warnings: { row: number; code: string }[] })
    : undefined;
  return { outcome, report };
}
const stored = (returnId: string) => table.get(`ORDER#${ORDER_ID}`, `RETURN#${returnId}`);

describe('RETURN_REQUESTED for a file supplier', () => {
  it('is a CSV in outbox/return-requests/ (one row per line), not a queue message', async () => {
    const returnId = await requested('stopped working');
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
    const rows = parse(bucket.text(`suppliers/nordic-home/outbox/return-requests/${returnId}.csv`), { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0] ?? {})).toEqual([...RETURN_REQUEST_CSV_COLUMNS]);
    expect(rows).toEqual([expect.objectContaining({ return_id: returnId, fulfillment_id: F1, reason: 'defective', note: 'stopped working', line_no: '1', quantity: '1' })]);
  });

  it('is the message body as JSON when the supplier takes JSON purchase orders', async () => {
    setSupplier(table, 'nordic-home', { channel: 'file', files: { purchaseOrderFormat: 'json' } });
    const returnId = await requested();
    const body = ReturnRequestedMessage.parse(JSON.parse(bucket.text(`suppliers/nordic-home/outbox/return-requests/${returnId}.json`)));
    expect(body).toMatchObject({ type: 'RETURN_REQUESTED', returnId, fulfillmentId: F1 });
  });

  it('an SQS supplier still gets the queue message', async () => {
    setSupplier(table, 'nordic-home', { channel: 'sqs' });
    await requested();
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(1);
    expect([...bucket.objects.keys()].filter((k) => k.includes('return-requests'))).toEqual([]);
  });
});

describe('returns files (inbox/returns/)', () => {
  it('authorized, shipped and received in one file: applied in row order up to the refund, no report', async () => {
    const returnId = await requested();
    const { outcome, report } = await drop(
      [HEADER, line(returnId, { ...AUTH, status: 'AUTHORIZED' }), line(returnId, { status: 'shipped', carrier: 'UPS', tracking_number: TRACKING }), line(returnId, { status: 'received', line_no: '1', condition: 'opened' })].join('\n'),
    );
    expect(outcome).toMatchObject({ status: 'APPLIED', rows: 3, messages: 3, rejected: 0, reportKey: undefined });
    expect(report).toBeUndefined();
    expect(stored(returnId)).toMatchObject({ status: 'REFUND_REQUESTED', authorization: { rma: 'RMA-7' }, received: { lines: [{ lineNo: 1, condition: 'opened' }] } });
    expect(timelineTypes(table)).toEqual(expect.arrayContaining(['ReturnAuthorized', 'ReturnInTransit', 'ReturnReceived', 'ReturnRefundRequested']));
  });

  it('a person\'s spelling: header aliases, status and condition words, lower-case country and carrier', async () => {
    const returnId = await requested();
    const csv = [
      'Return ID,Status,RMA Number,Address Name,Street,City,Zip,Country,Label,Carrier,Tracking No,SKU,Item Condition,Received On',
      `${returnId.toUpperCase()}, Return Authorised ,RMA-8,Returns desk,Lagerstrasse 5,Hamburg,20457,de,https://labels.example/1.pdf,,,,,`,
      `${returnId},In Transit,,,,,,,,ups,${TRACKING.toLowerCase()},,,`,
      `${returnId},RECEIVED,,,,,,,,,,NH-TS-0101-M,Like New,${at(0).slice(0, 10).split('-').reverse().join('.')}`,
    ].join('\r\n');
    const { outcome, report } = await drop(csv);
    expect(report?.rejectedRows ?? []).toEqual([]);
    expect(outcome).toMatchObject({ status: 'APPLIED', messages: 3 });
    expect(stored(returnId)).toMatchObject({ status: 'REFUND_REQUESTED', authorization: { returnAddress: { country: 'DE' }, labelRef: 'https://labels.example/1.pdf' }, received: { lines: [{ lineNo: 1, condition: 'as_new' }] } });
  });

  it('a RECEIVED row without a line gives its condition to every line of the return', async () => {
    const returnId = await requested();
    await drop([HEADER, line(returnId, AUTH), line(returnId, { status: 'received', condition: 'damaged' })].join('\n'));
    expect(stored(returnId)).toMatchObject({ status: 'REFUND_REQUESTED', received: { lines: [{ lineNo: 1, condition: 'damaged' }] } });
  });

  it.each([
    ['an unknown status', { status: 'maybe' }, 'status', 'must be AUTHORIZED, REJECTED, SHIPPED or RECEIVED'],
    ['AUTHORIZED without an RMA', { ...AUTH, rma: '' }, 'rma', 'is required for AUTHORIZED'],
    ['AUTHORIZED without the name of the return address', { ...AUTH, return_name: '' }, 'return_name', 'is required for AUTHORIZED (the return address)'],
    ['a country that is not a code', { ...AUTH, return_country: 'Germany' }, 'return_country', 'two-letter country code'],
    ['a reason on an AUTHORIZED row', { ...AUTH, reason: 'final sale' }, 'reason', 'is only for REJECTED rows'],
    ['an unknown rejection reason', { status: 'rejected', reason: 'too late' }, 'reason', 'must be one of OUTSIDE_SUPPLIER_POLICY'],
    ['SHIPPED without a tracking number', { status: 'shipped', carrier: 'UPS' }, 'tracking_number', 'is required for SHIPPED'],
    ['an unknown condition', { status: 'received', line_no: '1', condition: 'meh' }, 'condition', 'must be one of as_new'],
    ['a line number that is not a number', { status: 'received', line_no: 'one', condition: 'used' }, 'line_no', 'must be a line number'],
    ['an ambiguous date', { status: 'rejected', date: '07/12/2026' }, 'date', 'must be a date (2026-12-07'],
  ])('a bad cell is rejected with its reason: %s', async (_label, cells, field, reason) => {
    const returnId = await requested();
    const { outcome, report } = await drop([HEADER, line(returnId, cells)].join('\n'));
    expect(outcome).toMatchObject({ status: 'APPLIED', messages: 0, rejected: 1 });
    expect(report?.rejectedRows).toEqual([expect.objectContaining({ row: 2, field: expect.stringContaining(field), reason: expect.stringContaining(reason) })]);
    expect(stored(returnId)).toMatchObject({ status: 'REQUESTED' });
  });

  it.each([
    ['a tracking number that fails its check digit', [AUTH, { status: 'shipped', carrier: 'UPS', tracking_number: '1Z5R89390357567128' }], [3], 'tracking_number', 'is not a valid UPS tracking number', 'AUTHORIZED'],
    ['a line not in the return', [AUTH, { status: 'received', line_no: '9', condition: 'as new' }], [3], 'line_no', 'not in the return request', 'AUTHORIZED'],
    ['a step the return cannot take yet', [{ status: 'received', line_no: '1', condition: 'as new' }], [2], 'status', 'a return cannot go from REQUESTED to RECEIVED', 'REQUESTED'],
    ['authorized and rejected in one file', [AUTH, { status: 'rejected' }], [2, 3], 'status', 'both authorizes and rejects', 'REQUESTED'],
    ['a date in the future', [{ status: 'rejected', date: '2099-01-01' }], [2], 'date', 'is in the future', 'REQUESTED'],
  ])('a row the return cannot take is in the report: %s', async (_label, rows, rejectedRows, field, reason, status) => {
    const returnId = await requested();
    const { report } = await drop([HEADER, ...rows.map((cells) => line(returnId, cells))].join('\n'));
    expect(report?.rejectedRows).toEqual(rejectedRows.map((row) => expect.objectContaining({ row, field: expect.stringContaining(field), reason: expect.stringContaining(reason) })));
    expect(stored(returnId)).toMatchObject({ status });
  });

  it('a return id no return has is not one of the supplier\'s returns', async () => {
    const { report } = await drop([HEADER, line('ret_0123456789abcdefghjkmnpqrs_00000000aa', { status: 'rejected' })].join('\n'));
    expect(report?.rejectedRows).toEqual([expect.objectContaining({ row: 2, field: 'return_id', reason: expect.stringContaining('is not one of your returns') })]);
  });

  it("another supplier's return id is refused as not one of its returns, and the return is untouched", async () => {
    const returnId = await requested();
    const { report } = await drop([HEADER, line(returnId, { status: 'rejected' })].join('\n'), { supplierId: 'atlantic-outfitters' });
    expect(report?.rejectedRows).toEqual([expect.objectContaining({ field: 'return_id', reason: expect.stringContaining('is not one of your returns') })]);
    expect(stored(returnId)).toMatchObject({ status: 'REQUESTED' });
    expect(count).toHaveBeenCalledWith('SupplierMismatch', 1, 'atlantic-outfitters');
  });

  it('idempotent: the same file again is a replay; a copy under another name changes nothing (warnings only)', async () => {
    const returnId = await requested();
    const csv = [HEADER, line(returnId, AUTH), line(returnId, { status: 'received', line_no: '1', condition: 'used' })].join('\n');
    await drop(csv, { name: 'a.csv' });
    const before = timelineTypes(table).length;
    await expect(drop(csv, { name: 'a.csv' })).resolves.toMatchObject({ outcome: { status: 'REPLAY' } });
    const copy = await drop(csv, { name: 'b.csv' });
    expect(copy.outcome).toMatchObject({ status: 'APPLIED', messages: 0, rejected: 0 });
    expect(copy.report?.warnings).toEqual([expect.objectContaining({ row: 2, code: 'ALREADY_APPLIED' }), expect.objectContaining({ row: 3, code: 'ALREADY_APPLIED' })]);
    expect(timelineTypes(table)).toHaveLength(before);
    expect(stored(returnId)).toMatchObject({ status: 'REFUND_REQUESTED' });
  });

  it('a file without the return_id or status column is quarantined (nothing applied)', async () => {
    const returnId = await requested();
    const { outcome } = await drop(['rma,condition', 'R,used'].join('\n'));
    expect(outcome).toMatchObject({ status: 'QUARANTINED', reason: 'missing required columns: return_id, status' });
    expect(stored(returnId)).toMatchObject({ status: 'REQUESTED' });
  });
});

describe('the simulated file supplier (local/tools/supplier-sim-returns.ts)', () => {
  it('reads the return-request CSV and its answer files, typed like a person would, go through without a rejected row', async () => {
    const returnId = await requested('stopped working');
    const request = parseReturnRequestFile(`x/${returnId}.csv`, bucket.text(`suppliers/nordic-home/outbox/return-requests/${returnId}.csv`));
    expect(request).toMatchObject({ returnId, fulfillmentId: F1, reason: 'defective', note: 'stopped working', lines: [{ lineNo: 1, quantity: 1 }] });
    const plan = returnPlan('nordic-home', request ?? { returnId, fulfillmentId: F1, reason: 'defective', lines: [] });
    expect(plan.decision).toBe('authorize');
    for (const [i, step] of plan.steps.entries()) {
      const { outcome, report } = await drop(returnFileCsv(step.body), { name: `${returnId}-${i + 1}.csv` });
      expect(outcome, returnFileCsv(step.body)).toMatchObject({ status: 'APPLIED', messages: 1, rejected: 0 });
      expect(report).toBeUndefined();
    }
    expect(stored(returnId)).toMatchObject({ status: 'REFUND_REQUESTED', received: { lines: [{ lineNo: 1, condition: 'as_new' }] } });
  });
});

/** The cells each status needs besides return_id and status. */
const CELLS_FOR: Readonly<Record<string, Record<string, string>>> = {
  RETURN_AUTHORIZED: { rma: 'R', return_name: 'n', return_line1: 'l', return_city: 'c', return_postcode: 'p', return_country: 'de' },
  RETURN_REJECTED: {},
  RETURN_SHIPPED: { carrier: 'ups', tracking_number: TRACKING },
  RETURN_RECEIVED: { condition: 'used' },
};

describe('return file cells', () => {
  const row = (cells: Record<string, string>) => ReturnFileRow.safeParse({ return_id: 'ret_0123456789abcdefghjkmnpqrs_00000000aa', ...cells });
  it.each([
    ['authorized', 'RETURN_AUTHORIZED'],
    ['Return Authorized', 'RETURN_AUTHORIZED'],
    ['RETURN_AUTHORISED', 'RETURN_AUTHORIZED'],
    ['approved', 'RETURN_AUTHORIZED'],
    ['Declined', 'RETURN_REJECTED'],
    ['refused', 'RETURN_REJECTED'],
    ['in-transit', 'RETURN_SHIPPED'],
    ['return shipped', 'RETURN_SHIPPED'],
    [' received ', 'RETURN_RECEIVED'],
  ])('status %j → %s', (status, expected) => {
    const parsed = row({ status, ...CELLS_FOR[expected] });
    expect(parsed.success && parsed.data.status).toBe(expected);
  });

  it.each([
    ['As New', 'as_new'],
    ['like-new', 'as_new'],
    ['OPENED', 'opened'],
    ['open', 'opened'],
    ['Used', 'used'],
    ['broken', 'damaged'],
    ['not received', 'missing'],
  ])('condition %j → %s', (condition, expected) => {
    const parsed = row({ status: 'received', condition });
    expect(parsed.success && parsed.data.condition).toBe(expected);
  });

  it.each([
    ['outside supplier policy', 'OUTSIDE_SUPPLIER_POLICY'],
    ['Not-Our-Item', 'NOT_OUR_ITEM'],
    ['final_sale', 'FINAL_SALE'],
    ['other', 'OTHER'],
  ])('rejection reason %j → %s', (reason, expected) => {
    const parsed = row({ status: 'rejected', reason });
    expect(parsed.success && parsed.data.reason).toBe(expected);
  });

  it.each([
    ['2026-12-07', '2026-12-07'],
    ['2026/12/7', '2026-12-07'],
    ['07.12.2026', '2026-12-07'],
    ['2026-12-07 14:30', '2026-12-07T14:30:00Z'],
    ['2026-12-07T14:30:00+01:00', '2026-12-07T14:30:00+01:00'],
    ['07/12/2026', undefined],
    ['2026-02-30', undefined],
    ['yesterday', undefined],
  ])('date %j → %s', (typed, expected) => {
    expect(normalizeDateCell(typed)).toBe(expected);
  });
});
