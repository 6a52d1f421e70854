/**
 * Storefront channels as the API functions see them: the CHANNELS environment variable written by CDK
 * (Stack.toJsonString) and resolved by the local runtime. Parsed once at cold start.
 */
import * as z from 'zod';
import { jsonEnv } from './config';

export const ChannelConfig = z.object({
  channelId: z.string().min(1),
  platform: z.enum(['custom', 'shopify', 'woocommerce']),
  currency: z.string().regex(/^[A-Z]{3}$/),
  shopDomain: z.string().min(1).nullish(),
  /** API Gateway API key id (the Ref of the key); API Gateway puts it in requestContext.identity.apiKeyId. */
  apiKeyId: z.string().min(1),
  /** ARN of the Secrets Manager secret whose value is the plain webhook signing secret. */
  webhookSecretArn: z.string().min(1).nullish(),
});
export type ChannelConfig = z.output<typeof ChannelConfig>;

export class ChannelDirectory {
  private readonly byKey = new Map<string, ChannelConfig>();
  private readonly byChannelId = new Map<string, ChannelConfig>();
  private readonly byDomain = new Map<string, ChannelConfig>();

  constructor(readonly channels: readonly ChannelConfig[]) {
    for (const channel of channels) {
      if (this.byChannelId.has(channel.channelId)) throw new Error(`Duplicate channel ${channel.channelId} in CHANNELS`);
      this.byChannelId.set(channel.channelId, channel);
      this.byKey.set(channel.apiKeyId, channel);
      if (channel.shopDomain) this.byDomain.set(channel.shopDomain.toLowerCase(), channel);
    }
  }

  byApiKeyId(apiKeyId: string | null | undefined): ChannelConfig | undefined {
    return apiKeyId ? this.byKey.get(apiKeyId) : undefined;
  }

  byId(channelId: string | null | undefined): ChannelConfig | undefined {
    return channelId ? this.byChannelId.get(channelId) : undefined;
  }

  byShopDomain(domain: string | null | undefined): ChannelConfig | undefined {
    return domain ? this.byDomain.get(domain.trim().toLowerCase()) : undefined;
  }
}

/** Read and validate CHANNELS; throws at cold start when missing or malformed. */
export function loadChannels(env: NodeJS.ProcessEnv = process.env): ChannelDirectory {
  return jsonEnv('CHANNELS', (value) => new ChannelDirectory(z.array(ChannelConfig).parse(value)), env);
}
