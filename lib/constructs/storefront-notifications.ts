import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { NOTIFYING_EVENT_TYPES } from '../../functions/core/notifications/domain/notifications';
import { acknowledgeNag } from '../nag';
import { logicalIdPart, type ChannelConfig, type Stage } from '../stage-config';
import { DOMAIN_EVENT_SOURCE } from './order-events';
import type { OrderStore } from './order-store';
import { PipelineFunction } from './pipeline-function';

export const NOTIFY_ENQUEUE_ENTRY = 'functions/notifications/enqueue.ts';
export const NOTIFY_DELIVER_ENTRY = 'functions/notifications/deliver.ts';

/** Logical IDs of the stateful resources (queues and secrets keep their identity across refactors). */
export const notificationLogicalIds = {
  queue: 'StorefrontNotifyQueue',
  dlq: 'StorefrontNotifyDlq',
  enqueueDlq: 'StorefrontNotifyEnqueueDlq',
  secret: (channelId: string): string => `StorefrontOutboundSecret${logicalIdPart(channelId)}`,
} as const;

/** The deliver function's timeout; the queue's visibility timeout is six times it (AWS's advice for SQS event sources). */
const DELIVER_TIMEOUT = Duration.seconds(60);

export interface StorefrontNotificationsProps {
  readonly stage: Stage;
  readonly store: OrderStore;
  /** The domain event bus (source `dropship.pipeline`). */
  readonly bus: events.IEventBus;
}

export interface OutboundChannelResources {
  readonly config: ChannelConfig;
  /** Signing secret (custom, `whsec_` + the value), Admin API access token (shopify) or `{"consumerKey","consumerSecret"}` (woocommerce). */
  readonly secret: secretsmanager.Secret;
}

/** The settings a channel is notified with, or undefined when it is not (no URL, or disabled). */
export function outboundOf(channel: ChannelConfig): { platform: string; url?: string } | undefined {
  const platform: string = channel.platform;
  if (channel.outbound?.enabled === false) return undefined;
  if (platform === 'shopify') return { platform };
  const url = channel.outbound?.url;
  return url === undefined ? undefined : { platform, url };
}

function secretDescription(channel: ChannelConfig, platform: string): string {
  if (platform === 'shopify') return `Shopify Admin API access token of channel ${channel.id} (${channel.shopDomain ?? ''}): replace the placeholder with the app's token (write_orders, write_fulfillments scopes).`;
  if (platform === 'woocommerce') return `WooCommerce REST API key of channel ${channel.id}: replace with {"consumerKey":"ck_...","consumerSecret":"cs_..."} (read/write key).`;
  return `Standard Webhooks signing secret of channel ${channel.id}: the storefront verifies with "whsec_" + this value (or put a whsec_ value here).`;
}

/**
 * Storefront notifications: every customer-visible change of an order goes out to its channel.
 *
 *   domain bus ──rule (customer-visible types)──▶ enqueue λ ──▶ SQS FIFO (group = orderId) ──▶ deliver λ ──▶ storefront
 *                                                    └─ async failures ─▶ enqueue DLQ          └─ after maxReceiveCount ─▶ DLQ
 *
 * One outbound secret per notified channel (Secrets Manager); the deliver function reads only those.
 */
export class StorefrontNotifications extends Construct {
  public readonly queue: sqs.Queue;
  public readonly dlq: sqs.Queue;
  public readonly enqueueDlq: sqs.Queue;
  public readonly enqueueFunction: PipelineFunction;
  public readonly deliverFunction: PipelineFunction;
  public readonly rule: events.Rule;
  public readonly channels: readonly OutboundChannelResources[];

  constructor(scope: Construct, id: string, props: StorefrontNotificationsProps) {
    super(scope, id);
    const { stage, store } = props;
    const settings = stage.config.notifications;
    const removalPolicy = stage.config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const dlqReason = 'This queue is itself a dead-letter queue (alarmed on, redriven by operators): a redrive policy on it would move messages a second time.';

    this.dlq = new sqs.Queue(this, 'Dlq', {
      fifo: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });
    (this.dlq.node.defaultChild as sqs.CfnQueue).overrideLogicalId(notificationLogicalIds.dlq);
    acknowledgeNag(this.dlq.node.defaultChild ?? this.dlq, 'Serverless-SQSRedrivePolicy', dlqReason);

    this.queue = new sqs.Queue(this, 'Queue', {
      fifo: true,
      // High-throughput FIFO: ordering and deduplication per order (message group), not per queue.
      fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(DELIVER_TIMEOUT.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.dlq, maxReceiveCount: settings.maxReceiveCount },
      removalPolicy,
    });
    (this.queue.node.defaultChild as sqs.CfnQueue).overrideLogicalId(notificationLogicalIds.queue);

    this.enqueueDlq = new sqs.Queue(this, 'EnqueueDlq', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });
    (this.enqueueDlq.node.defaultChild as sqs.CfnQueue).overrideLogicalId(notificationLogicalIds.enqueueDlq);
    acknowledgeNag(this.enqueueDlq.node.defaultChild ?? this.enqueueDlq, 'Serverless-SQSRedrivePolicy', dlqReason);

    this.channels = stage.config.channels.flatMap((config) => {
      const outbound = outboundOf(config);
      if (outbound === undefined) return [];
      const secret = new secretsmanager.Secret(this, `Secret${logicalIdPart(config.id)}`, {
        description: secretDescription(config, outbound.platform),
        generateSecretString:
          outbound.platform === 'woocommerce'
            ? { secretStringTemplate: JSON.stringify({ consumerKey: 'ck_replace_me' }), generateStringKey: 'consumerSecret', passwordLength: 40, excludePunctuation: true }
            : // 64 letters and digits: valid base64 (48 bytes), so "whsec_" + value is a Standard Webhooks secret.
              { passwordLength: 64, excludePunctuation: true },
        removalPolicy,
      });
      (secret.node.defaultChild as secretsmanager.CfnSecret).overrideLogicalId(notificationLogicalIds.secret(config.id));
      acknowledgeNag(
        secret.node.defaultChild ?? secret,
        'AwsSolutions-SMG4',
        'The value is a credential shared with the storefront (its webhook verification secret, the Shopify app token or the WooCommerce API key): it is rotated together with the storefront side, which a Lambda rotation here cannot do.',
      );
      return [{ config, secret }];
    });

    const channelsJson = Stack.of(this).toJsonString(
      this.channels.map(({ config, secret }) => ({
        channelId: config.id,
        platform: config.platform,
        ...(config.platform === 'shopify' ? { shopDomain: config.shopDomain ?? '' } : { url: config.outbound?.url ?? '' }),
        secretArn: secret.secretArn,
      })),
    );

    this.enqueueFunction = new PipelineFunction(this, 'Enqueue', {
      entry: NOTIFY_ENQUEUE_ENTRY,
      description: 'Domain event → storefront notification on the FIFO delivery queue (group = orderId)',
      stage,
      serviceName: 'storefront-notifications',
      memorySize: 256,
      timeout: Duration.seconds(10),
      invocation: { asyncFailureQueue: this.enqueueDlq },
      environment: { NOTIFY_CHANNELS: channelsJson, NOTIFY_QUEUE_URL: this.queue.queueUrl },
    });
    this.enqueueFunction.useTable(store, 'read');
    this.enqueueFunction.allowSendMessage([this.queue]);

    this.deliverFunction = new PipelineFunction(this, 'Deliver', {
      entry: NOTIFY_DELIVER_ENTRY,
      description: 'Delivers storefront notifications: signed webhooks, Shopify Admin GraphQL, WooCommerce REST',
      stage,
      serviceName: 'storefront-notifications',
      memorySize: 256,
      timeout: DELIVER_TIMEOUT,
      invocation: 'eventSourceMapping',
      environment: {
        NOTIFY_CHANNELS: channelsJson,
        NOTIFY_QUEUE_URL: this.queue.queueUrl,
        NOTIFY_DLQ_URL: this.dlq.queueUrl,
        NOTIFY_RETRY_BASE_SECONDS: String(settings.retryBaseSeconds),
        NOTIFY_RETRY_MAX_SECONDS: String(settings.retryMaxSeconds),
        NOTIFY_MAX_RECEIVES: String(settings.maxReceiveCount),
      },
    });
    this.deliverFunction.useTable(store, 'readWrite');
    for (const { secret } of this.channels) this.deliverFunction.useSecret(secret);
    this.deliverFunction.allowSendMessage([this.dlq]);
    // Receive, delete and ChangeMessageVisibility (the backoff) on this queue only.
    this.queue.grantConsumeMessages(this.deliverFunction);
    const mapping = this.deliverFunction.addEventSourceMapping('QueueMapping', {
      eventSourceArn: this.queue.queueArn,
      batchSize: 5,
      reportBatchItemFailures: true,
    });
    acknowledgeNag(
      mapping.node.defaultChild ?? mapping,
      'Serverless-LambdaEventSourceMappingDestination',
      'An SQS event source takes no on-failure destination: a notification that keeps failing returns to the FIFO queue with a growing backoff and moves to the queue\'s FIFO DLQ after maxReceiveCount receives (redrive policy, alarmed); malformed messages are moved there by the consumer with their reason.',
    );

    this.rule = new events.Rule(this, 'Rule', {
      eventBus: props.bus,
      description: 'Customer-visible order events → storefront notifications',
      eventPattern: { source: [DOMAIN_EVENT_SOURCE], detailType: [...NOTIFYING_EVENT_TYPES] },
    });
    this.rule.addTarget(
      new targets.LambdaFunction(this.enqueueFunction, { deadLetterQueue: this.enqueueDlq, retryAttempts: 185, maxEventAge: Duration.hours(24) }),
    );
  }

  /** The DLQs, for the alarms (lib/constructs/observability.ts monitorDeadLetterQueues). */
  public get deadLetterQueues(): ReadonlyArray<{ readonly name: string; readonly queue: sqs.Queue }> {
    return [
      { name: 'storefront notifications', queue: this.dlq },
      { name: 'storefront notifications enqueue', queue: this.enqueueDlq },
    ];
  }

  public get functions(): readonly PipelineFunction[] {
    return [this.enqueueFunction, this.deliverFunction];
  }
}
