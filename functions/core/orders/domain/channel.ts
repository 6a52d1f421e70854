/** Storefront channels and the webhooks they send that could not become orders. Pure types. */
export type ChannelPlatform = 'custom' | 'shopify' | 'woocommerce';

export interface Channel {
  readonly channelId: string;
  readonly name: string;
  readonly platform: ChannelPlatform;
  readonly currency: string;
  /** Shopify shop domain (`example.myshopify.com`) when platform is shopify. */
  readonly shopDomain?: string | undefined;
  /** Typical order value in minor units, used by the fraud screen. */
  readonly typicalOrderValueMinor: number;
  readonly branding?: { readonly displayName: string; readonly logoUrl?: string; readonly returnInstructions?: string };
}

/**
 * An authentic storefront webhook that could not be mapped to an order at all (e.g. no shipping
 * address). Acknowledged with 202 so the platform does not retry, and kept for operators
 * (sparse index gsi3: EXCEPTION#WEBHOOK_REJECTED).
 */
export interface RejectedWebhook {
  readonly channelId: string;
  readonly webhookId: string;
  readonly platform: ChannelPlatform;
  readonly topic?: string | undefined;
  /** Storefront order id as an exact decimal string, when it could be read. */
  readonly externalOrderId?: string | undefined;
  readonly issues: readonly { readonly path: string; readonly message: string }[];
  readonly receivedAt: string;
  /** The raw body exactly as received (UTF-8), so an operator can fix and replay it (the first 64 KiB: `rawBodyTruncated`). */
  readonly rawBody: string;
  readonly expiresAt: number;
}
