/**
 * The generated corpus over the supplier entry points on the local runtime (fixed seed, CORPUS_SEED
 * replays): every inbound message type on a supplier's SQS queue, and every inbox file kind dropped in
 * S3 as the supplier. Properties:
 * - a message is either acknowledged (applied, duplicate, stale) or moved to the inbound DLQ WITH its
 *   reason (errorCode + errorMessage); one the schema refuses is always INVALID_JSON / SCHEMA_INVALID;
 *   nothing stays in the queue being retried (no crash loop), nothing reaches the DLQ without a reason;
 * - a file always ends APPLIED or QUARANTINED (never FAILED, never stuck PROCESSING), and a file with
 *   rejected rows or a quarantine has a report whose every row names its row, field and reason.
 */
import { createHash } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INBOUND_ERROR_CODES, SupplierInboundBody } from '../../../functions/core/suppliers/schemas/supplier-messages';
import { localS3Client } from '../../../local/emulators/s3/s3';
import { supplierAccessKeyId } from '../../../local/emulators/s3/notifications';
import { documentClient, endpoints } from '../helpers';
import { drainQueue, fulfillments, placeOrder, sqs, supplierQueues, waitFor } from '../workflow-helpers';
import { UID } from './http-entry-points';
import { casesOf, CORPUS_SEED, preview } from './mutations';
import { pool } from './runner';
import { fileCases, messageBoundaries, messageCases, type FileKind, type SupplierTarget } from './supplier-entry-points';

const MESSAGE_RUNS = 110;
const FILE_RUNS = 40;
const RECORD_KIND: Record<FileKind, string> = { inventory: 'INVENTORY', tracking: 'TRACKING', acknowledgements: 'ACKNOWLEDGEMENT' };
/** A retailer SKU only the SQS supplier below sells (so the order is dispatched to it). */
const SKU = 'POWERBANK-10K';
const runBase = Math.floor(Date.now() / 1000) % 100_000_000;
const uid = (offset: number, index: number): string => String(runBase * 100_000 + offset + index);

const ddb = documentClient();
let target: SupplierTarget;
let supplierId: string;
const summary: string[] = [];

beforeAll(async () => {
  const orderId = await placeOrder({ lines: [{ sku: SKU, quantity: 1, unitPrice: '39.90' }] });
  // Generous: right after a heavy file (the 200-order race) the workflow may take a while to dispatch.
  const f = await waitFor(`a DISPATCHED fulfillment of ${orderId}`, async () => (await fulfillments(orderId)).find((x) => x['status'] === 'DISPATCHED'), 75_000, 250);
  supplierId = String(f['supplierId']);
  const supplier = endpoints().suppliers.find((s) => s.id === supplierId);
  const supplierSku = supplier?.skus.find((s) => s.sku === SKU)?.supplierSku;
  if (supplier?.inboundQueueUrl === null || supplierSku === undefined) throw new Error(`${supplierId} has no inbound queue or no supplier SKU for ${SKU}`);
  target = { fulfillmentId: String(f['fulfillmentId']), supplierSku, occurredAt: new Date().toISOString() };
  // Whatever earlier tests left in the DLQ is not judged here.
  await drainQueue(supplierQueues(supplierId).inboundDlq);
}, 100_000);

afterAll(() => console.log(`Supplier corpus (seed ${CORPUS_SEED}):\n${summary.join('\n')}`));

/**
 * The local SQS (fauxqs) refuses characters beyond U+FFFD that real SQS accepts (#x10000-#x10FFFF): in a
 * JSON body they are written as \\u escapes instead (the same JSON for the consumer), so emoji still reach it.
 */
function sqsSafe(body: string): string {
  try {
    JSON.parse(body);
  } catch {
    return body;
  }
  return body.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD]/gu, (ch) =>
    [...Array.from({ length: ch.length }, (_, i) => ch.charCodeAt(i))].map((code) => `\\u${code.toString(16).padStart(4, '0')}`).join(''),
  );
}

async function inFlight(url: string): Promise<number> {
  const out = await sqs().send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
  return Number(out.Attributes?.['ApproximateNumberOfMessages'] ?? 0) + Number(out.Attributes?.['ApproximateNumberOfMessagesNotVisible'] ?? 0);
}

describe('supplier corpus', () => {
  it(`inbound SQS messages (boundaries + ${MESSAGE_RUNS} generated): acknowledged or in the DLQ with a reason, never retried in a loop`, async () => {
    const seed = CORPUS_SEED + 100;
    const queues = supplierQueues(supplierId);
    const cases = [...messageBoundaries(target), ...casesOf(messageCases(target), seed, MESSAGE_RUNS)];
    const sent = new Map<string, { index: number; label: string; body: string; expected: 'INVALID_JSON' | 'SCHEMA_INVALID' | 'any' }>();
    let refusedBySqs = 0;
    await pool(cases, 8, async (c, index) => {
      const body = sqsSafe(c.body.replaceAll(UID, uid(0, index)));
      let expected: 'INVALID_JSON' | 'SCHEMA_INVALID' | 'any';
      try {
        expected = SupplierInboundBody.safeParse(JSON.parse(body)).success ? 'any' : 'SCHEMA_INVALID';
      } catch {
        expected = 'INVALID_JSON';
      }
      try {
        const out = await sqs().send(new SendMessageCommand({ QueueUrl: queues.inbound, MessageBody: body }));
        sent.set(out.MessageId ?? '', { index, label: c.label, body, expected });
      } catch (error) {
        // SQS itself refuses some bodies (characters outside its allowed set): they never reach the consumer.
        if (error instanceof Error && /InvalidMessageContents|InvalidParameterValue|MissingParameter|too long/i.test(`${error.name} ${error.message}`)) refusedBySqs++;
        else throw error;
      }
    });
    await waitFor('the inbound queue to be empty (nothing retried)', async () => ((await inFlight(queues.inbound)) === 0 ? true : undefined), 45_000, 250);
    const dlq = await drainQueue(queues.inboundDlq);
    const failures: string[] = [];
    const codes: Record<string, number> = {};
    for (const m of dlq) {
      const source = m.attributes['sourceMessageId'];
      if (m.attributes['errorCode'] === undefined || m.attributes['errorMessage'] === undefined || m.attributes['errorMessage'] === '') {
        failures.push(`DLQ message without a reason (source ${String(source)}): ${preview(m.body, 200)}`);
      }
      if (source !== undefined && sent.has(source)) codes[m.attributes['errorCode'] ?? '?'] = (codes[m.attributes['errorCode'] ?? '?'] ?? 0) + 1;
    }
    const bySource = new Map(dlq.map((m) => [m.attributes['sourceMessageId'] ?? '', m.attributes]));
    for (const [messageId, s] of sent) {
      const landed = bySource.get(messageId);
      const code = landed?.['errorCode'];
      if (s.expected !== 'any' && code !== s.expected) failures.push(`#${s.index} ${s.label}: expected ${s.expected} in the DLQ, got ${code ?? 'acknowledged'}: ${preview(s.body, 300)}`);
      if (code !== undefined && !(INBOUND_ERROR_CODES as readonly string[]).includes(code)) failures.push(`#${s.index} ${s.label}: unknown errorCode ${code}`);
    }
    const acknowledged = [...sent.keys()].filter((id) => !bySource.has(id)).length;
    summary.push(`messages: ${cases.length} cases, ${sent.size} sent (${refusedBySqs} refused by SQS itself), ${acknowledged} acknowledged, DLQ ${JSON.stringify(codes)}`);
    expect(sent.size + refusedBySqs).toBe(cases.length);
    expect(failures, `replay with CORPUS_SEED=${CORPUS_SEED}\n${failures.slice(0, 10).join('\n')}`).toEqual([]);
  }, 90_000);

  it(`supplier files (${FILE_RUNS}): APPLIED or QUARANTINED, a report naming row, field and reason`, async () => {
    const seed = CORPUS_SEED + 200;
    const bucket = endpoints().s3.bucket;
    if (bucket === null) throw new Error('no supplier files bucket');
    const supplier = endpoints().suppliers.find((s) => s.id === supplierId);
    const s3 = localS3Client(endpoints().s3.endpoint, supplierAccessKeyId(supplierId));
    const reader = localS3Client(endpoints().s3.endpoint);
    const cases = casesOf(fileCases(target), seed, FILE_RUNS);
    const failures: string[] = [];
    const statuses: Record<string, number> = {};
    try {
      await pool(cases, 4, async (c, index) => {
        const text = c.body.toString('utf8');
        const body = text.includes(UID) ? Buffer.from(text.replaceAll(UID, uid(50_000, index))) : c.body;
        const key = `${supplier?.inbox ?? ''}${c.kind}/${c.name.replaceAll(UID, uid(50_000, index))}`;
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
        const etag = createHash('md5').update(body).digest('hex');
        const sk = `${RECORD_KIND[c.kind]}#${key}#${etag}`;
        let record: Record<string, unknown> | undefined;
        try {
          record = await waitFor(`the outcome of ${key}`, async () => {
            const item = (await ddb.send(new GetCommand({ TableName: endpoints().dynamodb.tableName, Key: { pk: `FILE#${supplierId}`, sk }, ConsistentRead: true }))).Item;
            return item !== undefined && item['status'] !== 'PROCESSING' ? item : undefined;
          }, 40_000, 200);
        } catch (error) {
          failures.push(`#${index} ${c.label}: no outcome (${error instanceof Error ? error.message : String(error)})`);
          return;
        }
        const status = String(record['status']);
        statuses[status] = (statuses[status] ?? 0) + 1;
        // SUPERSEDED: a newer feed of the same supplier (the corpus drops them seconds apart) was applied first: stock never goes back in time.
        if (status !== 'APPLIED' && status !== 'QUARANTINED' && status !== 'SUPERSEDED') failures.push(`#${index} ${c.label}: ended ${status} (${String(record['reason'])})`);
        const needsReport = status === 'QUARANTINED' || Number(record['rejected'] ?? 0) > 0;
        if (!needsReport) return;
        if (typeof record['reportKey'] !== 'string') {
          failures.push(`#${index} ${c.label}: ${status} with ${String(record['rejected'])} rejected rows but no report`);
          return;
        }
        const report = JSON.parse((await (await reader.send(new GetObjectCommand({ Bucket: bucket, Key: record['reportKey'] }))).Body?.transformToString('utf8')) ?? '{}') as {
          status?: string;
          reason?: string;
          rejectedRows?: { row?: unknown; field?: unknown; reason?: unknown }[];
        };
        if (status === 'QUARANTINED' && (typeof report.reason !== 'string' || report.reason === '')) failures.push(`#${index} ${c.label}: quarantined without a reason`);
        for (const r of report.rejectedRows ?? []) {
          if (typeof r.row !== 'number' || typeof r.field !== 'string' || r.field === '' || typeof r.reason !== 'string' || r.reason === '') {
            failures.push(`#${index} ${c.label}: a rejected row without row/field/reason: ${preview(r)}`);
            break;
          }
        }
      });
    } finally {
      s3.destroy();
      reader.destroy();
    }
    summary.push(`files: ${cases.length} cases ${JSON.stringify(statuses)}`);
    expect(failures, `replay with CORPUS_SEED=${CORPUS_SEED}\n${failures.slice(0, 10).join('\n')}`).toEqual([]);
  }, 90_000);
});
