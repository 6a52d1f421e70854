/**
 * Supplier inbound consumer: one event source mapping per supplier inbound queue (SQS,
 * ReportBatchItemFailures). The supplier is the one whose queue delivered the record
 * (eventSourceARN → SUPPLIER_QUEUES), never a field of the message.
 *
 * Per record: applied / duplicate / stale → acknowledged; poison (bad JSON, schema, unknown
 * fulfillment, SUPPLIER_MISMATCH, invalid tracking number, a change the fulfillment contradicts) →
 * moved to the supplier's inbound DLQ with errorCode / errorMessage and acknowledged; anything thrown
 * (throttling, conflicts, Step Functions unavailable) → a batch item failure, retried by SQS.
 */
import { withPowertools } from '../core/runtime/powertools';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { metrics } from '../core/runtime/observability';
import { outboundDeps, responderDeps } from '../core/workflow/services/runtime-deps';
import { fileMetrics } from '../core/suppliers/services/file-reports';
import { moveToDlq } from '../core/suppliers/services/supplier-dlq';
import { handleSupplierMessage, type InboundDeps } from '../core/suppliers/services/supplier-inbound';

const deps: InboundDeps = { ...responderDeps(), ...outboundDeps(), metrics, fileMetrics: fileMetrics(metrics) };

/** One record: apply it, or move it to the DLQ with its reason. Throws only when a retry can help. */
export async function processSupplierRecord(record: SQSRecord, inbound: InboundDeps = deps): Promise<string> {
  const queue = inbound.suppliers.byInboundQueueArn(record.eventSourceARN);
  if (queue === undefined) {
    // Not a configured supplier queue: nothing can be decided safely; the queue's redrive policy takes it.
    inbound.logger.error('Record from an unknown queue', { eventSourceARN: record.eventSourceARN, messageId: record.messageId });
    throw new Error('Record from a queue that is not in SUPPLIER_QUEUES');
  }
  const outcome = await handleSupplierMessage(inbound, { supplierId: queue.supplierId, body: record.body });
  if (outcome.kind === 'poison') {
    await moveToDlq(inbound.sqs, queue, {
      body: record.body,
      sqsMessageId: record.messageId,
      code: outcome.code,
      message: outcome.message,
      receiveCount: record.attributes.ApproximateReceiveCount,
    });
    inbound.metrics.addMetric('SupplierMessagePoison', MetricUnit.Count, 1);
    inbound.logger.warn('Supplier message moved to the DLQ', { supplierId: queue.supplierId, code: outcome.code, fulfillmentId: outcome.fulfillmentId });
    return outcome.code;
  }
  return outcome.kind;
}

export async function processInbound(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  // A processor per invocation: it keeps per-batch state (the local runtime may run invocations concurrently).
  const processor = new BatchProcessor(EventType.SQS);
  return processPartialResponse(event, (record: SQSRecord) => processSupplierRecord(record), processor, {
    context,
    processInParallel: false,
    throwOnFullBatchFailure: false,
  });
}

export const handler = withPowertools((event: SQSEvent, context: Context) => processInbound(event, context));
