/**
 * The workflow's AWS clients besides DynamoDB (functions/core/clients.ts): Step Functions, SQS and
 * EventBridge, created once per container and traced. Endpoints come from AWS_ENDPOINT_URL_* locally.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { tracer } from './observability';

let sfn: SFNClient | undefined;
let sqs: SQSClient | undefined;
let eventBridge: EventBridgeClient | undefined;

export function getSfnClient(): SFNClient {
  sfn ??= tracer.captureAWSv3Client(new SFNClient({}));
  return sfn;
}

export function getSqsClient(): SQSClient {
  sqs ??= tracer.captureAWSv3Client(new SQSClient({}));
  return sqs;
}

export function getEventBridgeClient(): EventBridgeClient {
  eventBridge ??= tracer.captureAWSv3Client(new EventBridgeClient({}));
  return eventBridge;
}
