/**
 * Tracking, acknowledgement and returns files from a supplier's inbox (`suppliers/{id}/inbox/tracking/*.csv`,
 * `.../inbox/acknowledgements/*.csv`, `.../inbox/returns/*.csv`; returns rows are applied in row order by the
 * inbound consumer's returns service instead of being sent, supplier-files/services/return-files.ts; cancellation
 * answers: cancellation-answer-files.ts). For tracking and acknowledgements each valid row becomes the SQS message a supplier with an API
 * would send (ACCEPTED / REJECTED / SHIPPED, the exact schemas of suppliers/schemas/supplier-messages.ts), sent
 * to that supplier's INBOUND queue, so the same consumer applies it with the same rules. Rows that
 * cannot be applied go to the rejected-row report in the supplier's outbox instead.
 *
 * Per file, once per (key, ETag) (claimFile / finishFile, suppliers/store/supplier-files.ts):
 * 1. ownership: the prefix is a configured supplier and the object was not written by another
 *    supplier's access role (else REFUSED, no report);
 * 2. the CSV is read as a stream (csv-parse): header mapped to canonical columns (aliases, case and
 *    spacing ignored; unknown columns are a warning), every row parsed with its zod row schema;
 *    a file without the required columns, unreadable as CSV or too big is QUARANTINED (nothing sent);
 * 3. rows are grouped (tracking: one parcel = fulfillment + tracking number; acknowledgements: one
 *    purchase order), the fulfillment is read and must be this supplier's, the tracking number is
 *    checked for its carrier (suppliers/domain/tracking.ts), and the message is tried against the fulfillment's
 *    current state with the consumer's own rules (toFulfillmentEvents + applyFulfillmentEvent), so an
 *    over-shipment or a conflicting parcel is reported to the supplier rather than dead-lettered;
 *    a parcel / purchase order is sent whole or not at all (every row of a rejected group is reported);
 * 4. messages go out with SendMessageBatch; messageId = `{trk|ack}-{hash(key, ETag)}-r{row}`, so a
 *    retried file sends the same ids and the consumer's dedupe drops the repeats;
 * 5. the report (when there is something to report) and the final record.
 */
import type { Clock } from '../../kernel/clock';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { buildFileReport, hasSomethingToReport, ReportCollector } from '../../inventory/domain/file-report';
import { ACKNOWLEDGEMENT_HEADER_ALIASES, ACKNOWLEDGEMENT_REQUIRED, TRACKING_HEADER_ALIASES, TRACKING_REQUIRED } from '../schemas/supplier-files';
import { type SupplierInboundMessage } from '../schemas/supplier-messages';
import type { StoreContext } from '../../runtime/table/context';
import { getFulfillment } from '../../workflow/store/fulfillments';
import { parseFulfillmentId, type FulfillmentRecord } from '../../workflow/domain/fulfillment-record';
import { claimFile, failFile, finishFile, normalizeEtag, type FileRef } from '../store/supplier-files';
import { sleep } from '../../runtime/table/transactions';
import { checkInboxOwnership, decodeS3EventKey, headEtag, parseInboxKey, quarantineFile, refuseFile, S3ObjectCreatedRecord, writeFileReport, type FileMetrics, type SupplierFilesDirectory } from './file-reports';
import type { SupplierDirectory } from './supplier-outbound';
import type { SupplierFileKind, SupplierFileRecord } from '../domain/supplier';
import type { TaskLogger } from '../../workflow/services/workflow-common';
import { type Chunks, readMessageCsv } from './message-csv';
import { type PlanContext, planTracking, planAcknowledgements } from './message-plans';
import { cancellationAnswersSupplier, processCancellationAnswerFile } from './cancellation-answer-files';
import { RETURN_FILE_HEADER_ALIASES, RETURN_FILE_REQUIRED } from '../../supplier-files/schemas/return-files';
import { applyReturnRows, type ApplyReturn } from '../../supplier-files/services/return-files';

/** Data rows per file; larger files are quarantined (split them). */
export const MAX_MESSAGE_FILE_ROWS = 5_000;
/** Bytes per file; larger files are quarantined without being read. */
export const MAX_MESSAGE_FILE_BYTES = 5 * 1024 * 1024;
/** A ship date this far after the file arrived is refused as "in the future". */
export const FUTURE_TOLERANCE_MS = 15 * 60_000;

export interface MessageFileDeps {
  readonly store: StoreContext;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  /** The supplier files bucket (reports and quarantine copies are written here). */
  readonly bucket: string;
  /** SUPPLIER_QUEUES: where each supplier's inbound queue is. */
  readonly suppliers: SupplierDirectory;
  /** SUPPLIER_FILES: which suppliers may drop files, and their access roles. */
  readonly supplierFiles: SupplierFilesDirectory;
  readonly now: Clock;
  readonly logger: TaskLogger;
  readonly metrics: FileMetrics;
  /** Applies a return answer like the inbound consumer (returns files, supplier-files/services/return-files.ts); absent: returns files fail. */
  readonly applyReturn?: ApplyReturn | undefined;
}

export interface MessageFileInput {
  readonly bucket: string;
  /** Decoded object key. */
  readonly key: string;
  readonly etag: string;
  readonly size?: number | undefined;
  /** `userIdentity.principalId` of the S3 event (who wrote the object). */
  readonly principalId?: string | undefined;
  /** When the object was written (S3 event time, ISO): the time of acknowledgements. */
  readonly receivedAt?: string | undefined;
}

export interface MessageFileOutcome {
  readonly status: 'APPLIED' | 'QUARANTINED' | 'REFUSED' | 'FAILED' | 'IGNORED' | 'REPLAY' | 'BUSY';
  readonly rows?: number | undefined;
  readonly messages?: number | undefined;
  readonly rejected?: number | undefined;
  readonly reportKey?: string | undefined;
  readonly reason?: string | undefined;
}

// ---------------------------------------------------------------------------------------------
// Sending

/** SendMessageBatch (10 per call); entries SQS reports as failed are retried, then the file fails (and is retried whole). */
export async function sendToInbound(sqs: SQSClient, queueUrl: string, messages: readonly SupplierInboundMessage[]): Promise<void> {
  for (let start = 0; start < messages.length; start += 10) {
    let pending = messages.slice(start, start + 10).map((message, i) => ({
      Id: `m${start + i}`,
      MessageBody: JSON.stringify(message),
      MessageAttributes: {
        type: { DataType: 'String', StringValue: message.type },
        fulfillmentId: { DataType: 'String', StringValue: message.fulfillmentId },
      },
    }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }));
      const failed = new Set((result.Failed ?? []).map((f) => f.Id));
      pending = pending.filter((entry) => failed.has(entry.Id));
      if (pending.length === 0) break;
      if (attempt >= 4) throw new Error(`SendMessageBatch left ${pending.length} messages unsent (${(result.Failed ?? []).map((f) => f.Code).join(', ')})`);
      await sleep(50 * 2 ** attempt);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// One file

const FILE_SPECS: Readonly<Record<Exclude<SupplierFileKind, 'INVENTORY'>, { readonly aliases: Readonly<Record<string, readonly string[]>>; readonly required: readonly string[] }>> = {
  TRACKING: { aliases: TRACKING_HEADER_ALIASES, required: TRACKING_REQUIRED },
  ACKNOWLEDGEMENT: { aliases: ACKNOWLEDGEMENT_HEADER_ALIASES, required: ACKNOWLEDGEMENT_REQUIRED },
  RETURNS: { aliases: RETURN_FILE_HEADER_ALIASES, required: RETURN_FILE_REQUIRED },
};

/** The end of an applied file: the report (when there is something to report), the final record, metrics. */
async function finishApplied(
  deps: MessageFileDeps,
  file: { readonly claim: SupplierFileRecord; readonly head: Omit<Parameters<typeof buildFileReport>[0], 'status'>; readonly collector: ReportCollector; readonly fileName: string; readonly log: Record<string, string> },
  rows: number,
  done: { readonly written: number; readonly messages: number },
): Promise<MessageFileOutcome> {
  const { head, log } = file;
  const report = buildFileReport({ ...head, status: 'APPLIED' }, { rows, written: done.written, unchanged: 0, unmapped: 0 }, file.collector);
  const reportKey = hasSomethingToReport(report) ? await writeFileReport(deps.s3, deps.bucket, report, file.fileName) : undefined;
  const finished = await finishFile(deps.store, file.claim, { status: 'APPLIED', rows, written: done.written, unchanged: 0, rejected: report.rejected, unmapped: 0, reportKey }, deps.now());
  if (!finished.ok) deps.logger.warn('File outcome not recorded: the lease was taken over', log);
  if (report.rejected > 0) deps.metrics.count('FeedRowsRejected', report.rejected, head.supplierId);
  deps.metrics.count('SupplierFileMessagesSent', done.messages, head.supplierId);
  deps.logger.info('Supplier file applied', { ...log, rows, messages: done.messages, rejected: report.rejected, reportKey });
  return { status: 'APPLIED', rows, messages: done.messages, rejected: report.rejected, reportKey };
}

// Long: the file lifecycle (claim, read, plan, send, report, finish) in order, each step a helper call.
export async function processMessageFile(deps: MessageFileDeps, input: MessageFileInput): Promise<MessageFileOutcome> {
  const inbox = parseInboxKey(input.key);
  if (inbox === undefined || inbox.kind === 'INVENTORY') {
    deps.logger.warn('Not a tracking, acknowledgement or returns file: ignored', { key: input.key });
    return { status: 'IGNORED', reason: 'not a tracking, acknowledgement or returns inbox key' };
  }
  const { supplierId, kind, fileName } = inbox;
  const ref: FileRef = { supplierId, kind, bucket: input.bucket, objectKey: input.key, etag: normalizeEtag(input.etag) };
  const log = { supplierId, kind, key: input.key, etag: ref.etag };

  const ownership = checkInboxOwnership(deps.supplierFiles, supplierId, input.principalId);
  if (!ownership.ok) {
    await refuseFile(deps, ref, ownership);
    return { status: 'REFUSED', reason: ownership.code };
  }

  const now = deps.now();
  const claim = await claimFile(deps.store, ref, now);
  if (!claim.claimed) {
    const status = claim.existing?.status;
    deps.logger.info(status === 'PROCESSING' ? 'File is being processed by another attempt' : 'File already applied: nothing to do', { ...log, status });
    return { status: status === 'PROCESSING' ? 'BUSY' : 'REPLAY' };
  }
  const receivedAt = input.receivedAt === undefined || Number.isNaN(Date.parse(input.receivedAt)) ? now : new Date(input.receivedAt);
  const collector = new ReportCollector();
  const head = { file: { bucket: input.bucket, key: input.key, etag: ref.etag }, supplierId, kind, receivedAt: receivedAt.toISOString() };

  try {
    const queue = deps.suppliers.bySupplierId(supplierId);
    if (queue === undefined) {
      deps.logger.error('Supplier has no inbound queue (SUPPLIER_QUEUES): file not applied', log);
      await finishFile(deps.store, claim.record, { status: 'FAILED', reason: 'the supplier has no inbound queue configured' }, deps.now());
      return { status: 'FAILED', reason: 'no inbound queue' };
    }

    const quarantine = async (reason: string, rows = 0): Promise<MessageFileOutcome> => {
      const report = buildFileReport({ ...head, status: 'QUARANTINED', reason }, { rows, written: 0, unchanged: 0, unmapped: 0 }, collector);
      const copyKey = await quarantineFile(deps.s3, { fromBucket: input.bucket, fromKey: input.key, toBucket: deps.bucket, supplierId, kind, fileName });
      const reportKey = await writeFileReport(deps.s3, deps.bucket, report, fileName);
      await finishFile(deps.store, claim.record, { status: 'QUARANTINED', rows, written: 0, rejected: report.rejected, reportKey, reason }, deps.now());
      deps.metrics.count('SupplierFilesQuarantined', 1, supplierId);
      deps.logger.warn('Supplier file quarantined', { ...log, reason, quarantineKey: copyKey });
      return { status: 'QUARANTINED', rows, messages: 0, rejected: report.rejected, reportKey, reason };
    };

    if (input.size !== undefined && input.size > MAX_MESSAGE_FILE_BYTES) return await quarantine(`larger than ${MAX_MESSAGE_FILE_BYTES} bytes: split the file`);

    const object = await deps.s3.send(new GetObjectCommand({ Bucket: input.bucket, Key: input.key, IfMatch: `"${ref.etag}"` }));
    if (object.Body === undefined) throw new Error('GetObject returned no body');
    const spec = FILE_SPECS[kind];
    const read = await readMessageCsv(object.Body as unknown as Chunks, spec, collector);
    if (!read.ok) return await quarantine(read.reason);

    if (kind === 'RETURNS') {
      // Returns: each answer applied in row order by the inbound consumer's own service (return-files.ts).
      const applyReturn = deps.applyReturn;
      if (applyReturn === undefined) throw new Error('Returns files need applyReturn (the returns service) in the file handler deps');
      const applied = await applyReturnRows({ store: deps.store, applyReturn, logger: deps.logger, metrics: deps.metrics }, read.rows, { supplierId, key: input.key, etag: ref.etag, receivedAt, collector, headers: read.headers });
      return await finishApplied(deps, { claim: claim.record, head, collector, fileName, log }, read.rows.length, applied);
    }

    const cache = new Map<string, Promise<FulfillmentRecord | undefined>>();
    const ctx: PlanContext = {
      supplierId,
      kind,
      key: input.key,
      etag: ref.etag,
      receivedAt,
      collector,
      headers: read.headers,
      lookup: (fulfillmentId) => {
        let found = cache.get(fulfillmentId);
        if (found === undefined) {
          const parsed = parseFulfillmentId(fulfillmentId);
          found = parsed === undefined ? Promise.resolve(undefined) : getFulfillment(deps.store, parsed.orderId, fulfillmentId);
          cache.set(fulfillmentId, found);
        }
        return found;
      },
      onForeign: (fulfillmentId) => {
        deps.metrics.count('SupplierMismatch', 1, supplierId);
        deps.logger.warn("Supplier file names another supplier's fulfillment", { ...log, fulfillmentId });
      },
    };
    const planned = kind === 'TRACKING' ? await planTracking(read.rows, ctx) : await planAcknowledgements(read.rows, ctx);
    await sendToInbound(deps.sqs, queue.inboundQueueUrl, planned.map((p) => p.message));
    const written = planned.reduce((n, p) => n + p.rows.length, 0);
    return await finishApplied(deps, { claim: claim.record, head, collector, fileName, log }, read.rows.length, { written, messages: planned.length });
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    if (name === 'PreconditionFailed') {
      // The object was replaced before it could be read: its new version has an event of its own.
      await finishFile(deps.store, claim.record, { status: 'FAILED', reason: 'the object was replaced before it was read' }, deps.now());
      deps.logger.warn('File replaced before it was read: skipped', log);
      return { status: 'FAILED', reason: 'replaced' };
    }
    await failFile(deps.store, claim.record, `${name}: ${error instanceof Error ? error.message : 'unknown'}`, deps.now());
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// The S3 event (functions/suppliers/message-file.ts)

/** Records are parsed one by one (S3ObjectCreatedRecord): one that is not an ObjectCreated record is ignored. */
const S3Event = z.object({ Records: z.array(z.unknown()).default([]) });

/**
 * Every record of an S3 event notification, in order (key decoded: `+` = space). A record that fails
 * unexpectedly fails the whole invocation after the others were processed, so Lambda's asynchronous
 * retry runs the event again (files already applied are replays and change nothing).
 */
export async function handleMessageFileEvent(event: unknown, deps: MessageFileDeps): Promise<MessageFileOutcome[]> {
  const { Records } = S3Event.parse(event);
  const outcomes: MessageFileOutcome[] = [];
  let failure: unknown;
  for (const raw of Records) {
    const parsed = S3ObjectCreatedRecord.safeParse(raw);
    if (!parsed.success || (parsed.data.eventName !== undefined && !parsed.data.eventName.startsWith('ObjectCreated'))) {
      deps.logger.warn('Not an S3 ObjectCreated record: ignored', { eventName: parsed.success ? parsed.data.eventName : undefined });
      outcomes.push({ status: 'IGNORED', reason: 'not an ObjectCreated record' });
      continue;
    }
    const record = parsed.data;
    const bucket = record.s3.bucket.name;
    const key = decodeS3EventKey(record.s3.object.key);
    try {
      const fromEvent = record.s3.object.eTag;
      const etag = fromEvent === undefined || normalizeEtag(fromEvent) === '' ? await headEtag(deps.s3, bucket, key) : fromEvent;
      const fileInput = { bucket, key, etag, size: record.s3.object.size, principalId: record.userIdentity?.principalId, receivedAt: record.eventTime };
      outcomes.push(cancellationAnswersSupplier(key) !== undefined ? await processCancellationAnswerFile(deps, fileInput) : await processMessageFile(deps, fileInput));
    } catch (error) {
      deps.logger.error('Supplier file failed', { key, errorName: error instanceof Error ? error.name : 'unknown', errorMessage: error instanceof Error ? error.message : '' });
      outcomes.push({ status: 'FAILED', reason: error instanceof Error ? error.name : 'unknown' });
      failure ??= error;
    }
  }
  if (failure !== undefined) throw failure;
  return outcomes;
}
