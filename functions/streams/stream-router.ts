/**
 * Table stream consumer (NEW_AND_OLD_IMAGES): starts one workflow execution per new order (name =
 * orderId) and publishes every new domain-event timeline item on the domain bus (PutEvents, 10 per
 * call). Partial batch failures (Powertools BatchProcessor for DynamoDB streams): a failed record is
 * retried from its sequence number; StartExecution and consumers of the bus are idempotent.
 */
import { withPowertools } from '../core/runtime/powertools';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { requireEnv } from '../core/runtime/config';
import { logger, metrics } from '../core/runtime/observability';
import { getEventBridgeClient, getSfnClient } from '../core/runtime/clients';
import { routeStreamRecords, type StreamRouterDeps } from '../core/events/services/stream-router';

const deps: StreamRouterDeps = {
  sfn: getSfnClient(),
  eventBridge: getEventBridgeClient(),
  stateMachineArn: requireEnv('STATE_MACHINE_ARN'),
  eventBusName: requireEnv('EVENT_BUS_NAME'),
  logger,
  metrics,
  // One EMF line per value: each carries its own dimension (status or supplierId) besides `service`.
  emitMetric: (m) => metrics.singleMetric().addDimension(m.dimension.name, m.dimension.value).addMetric(m.name, m.unit, m.value),
};

export async function processStream(event: DynamoDBStreamEvent, context: Context, router: StreamRouterDeps = deps): Promise<DynamoDBBatchResponse> {
  // Act on the whole batch first (PutEvents takes 10 entries per call), then let the batch processor
  // report exactly the records whose action failed.
  const failures = await routeStreamRecords(router, event.Records);
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  return processPartialResponse(
    event,
    (record: DynamoDBRecord) => {
      const error = failures.get(record.dynamodb?.SequenceNumber ?? record.eventID ?? '');
      if (error !== undefined) throw error;
    },
    processor,
    { context, throwOnFullBatchFailure: false },
  );
}

export const handler = withPowertools((event: DynamoDBStreamEvent, context: Context) => processStream(event, context));
