import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Observability } from './constructs/observability';
import { OrderStore } from './constructs/order-store';
import { StorefrontApi } from './constructs/storefront-api';
import { type Stage, logicalIdPart } from './stage-config';

export interface PipelineStackProps extends StackProps {
  /** The parsed stage configuration (see lib/stage-config.ts). */
  readonly stage: Stage;
}

/** `DropshipPipeline-dev`, `DropshipPipeline-prod`, ... */
export function stackNameFor(stageName: string): string {
  return `DropshipPipeline-${stageName}`;
}

/**
 * The whole pipeline in one stack. It only wires constructs together and publishes outputs;
 * behaviour lives in the constructs (lib/constructs/).
 */
export class PipelineStack extends Stack {
  public readonly store: OrderStore;
  public readonly storefront: StorefrontApi;
  public readonly observability: Observability;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    const { stage, ...stackProps } = props;
    super(scope, id, {
      description: `Dropshipping order pipeline (${stage.name}): storefront API, order store, monitoring`,
      terminationProtection: stage.config.retainData,
      ...stackProps,
    });

    this.store = new OrderStore(this, 'OrderStore', { stage });
    this.storefront = new StorefrontApi(this, 'Storefront', { stage, store: this.store });
    this.observability = new Observability(this, 'Observability', {
      stage,
      api: this.storefront.api,
      functions: this.storefront.functions,
      store: this.store,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.storefront.url, description: 'Storefront API base URL' });
    new CfnOutput(this, 'TableName', { value: this.store.table.tableName, description: 'Pipeline table' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.observability.alarmTopic.topicArn, description: 'Subscribe operators here' });
    new CfnOutput(this, 'DashboardName', { value: this.observability.dashboard.dashboardName });
    for (const channel of this.storefront.channels) {
      const part = logicalIdPart(channel.config.id);
      new CfnOutput(this, `ApiKeyId${part}`, {
        value: channel.apiKey.keyId,
        description: `API key id of channel ${channel.config.id} (aws apigateway get-api-key --include-value --api-key <id>)`,
      });
      new CfnOutput(this, `WebhookSecretArn${part}`, {
        value: channel.webhookSecret.secretArn,
        description: `Webhook signing secret of channel ${channel.config.id}: put the platform's secret here`,
      });
      new CfnOutput(this, `WebhookUrl${part}`, {
        value: this.storefront.shopifyWebhookUrl(channel.config.id),
        description: `Shopify orders/create webhook URL of channel ${channel.config.id}`,
      });
    }
  }
}
