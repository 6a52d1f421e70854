/**
 * The demo data set the local runtime seeds on start (documented in local/README.md):
 * 2 storefront channels (ids from the template's CHANNELS variable, i.e. the stage config),
 * 3 suppliers (two over SQS, one by file drop) with EU / GB / US shipping zones, and 20 retailer SKUs,
 * each offered by 1-3 suppliers with supplier SKU, wholesale cost, stock and sometimes a MAP.
 *
 * Seeding is idempotent: every item is a conditional put (`attribute_not_exists(pk)`), so a restart
 * never overwrites stock that orders or feeds have changed since.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Channel, ChannelPlatform } from '../../functions/core/orders/domain/channel';
import type { Product } from '../../functions/core/inventory/domain/catalog';
import type { ShippingZone, Supplier } from '../../functions/core/suppliers/domain/supplier';
import type { StoredOffer } from '../../functions/core/inventory/store/catalog';
import { gsiKeys, keys } from '../../functions/core/runtime/table/keys';

/** A channel as the template describes it (CHANNELS environment variable of the API functions). */
export interface TemplateChannel {
  readonly channelId: string;
  readonly platform: ChannelPlatform;
  readonly currency: string;
  readonly shopDomain?: string | null | undefined;
}

// ---------------------------------------------------------------------------------------------------
// Channels: business settings per channel id (ids, platform, currency and shop domain come from the template)

interface ChannelSettings {
  readonly name: string;
  readonly typicalOrderValueMinor: number;
  readonly branding: NonNullable<Channel['branding']>;
}

const CHANNEL_SETTINGS: Readonly<Record<string, ChannelSettings>> = {
  'demo-web': {
    name: 'Demo web store',
    typicalOrderValueMinor: 6_500,
    branding: {
      displayName: 'Northwind Goods',
      logoUrl: 'https://example.com/northwind/logo.svg',
      returnInstructions: 'Returns within 30 days: write to returns@example.com with your order number.',
    },
  },
  'demo-shopify': {
    name: 'Demo Shopify store',
    typicalOrderValueMinor: 5_500,
    branding: {
      displayName: 'Northwind Goods on Shopify',
      logoUrl: 'https://example.com/northwind/logo-shop.svg',
      returnInstructions: 'Start a return from your Shopify order status page within 30 days.',
    },
  },
};

export function demoChannels(fromTemplate: readonly TemplateChannel[]): Channel[] {
  return fromTemplate.map((c) => {
    const settings = CHANNEL_SETTINGS[c.channelId] ?? {
      name: c.channelId,
      typicalOrderValueMinor: 6_000,
      branding: { displayName: c.channelId },
    };
    return {
      channelId: c.channelId,
      name: settings.name,
      platform: c.platform,
      currency: c.currency,
      ...(c.shopDomain === null || c.shopDomain === undefined ? {} : { shopDomain: c.shopDomain }),
      typicalOrderValueMinor: settings.typicalOrderValueMinor,
      branding: settings.branding,
    };
  });
}

// ---------------------------------------------------------------------------------------------------
// Suppliers

/** EU member states (ISO alpha-2). */
export const EU_COUNTRIES = [
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE',
  'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE',
] as const;

const zone = (zoneId: string, countries: readonly string[], methods: ShippingZone['methods']): ShippingZone => ({ zoneId, countries, methods });

export const DEMO_SUPPLIERS: readonly Omit<Supplier, 'lastFeedAt'>[] = [
  {
    supplierId: 'nordic-home',
    name: 'Nordic Home Supply (Hamburg)',
    channel: 'sqs',
    priority: 1,
    currency: 'EUR',
    acceptanceSlaMinutes: 60,
    processingDays: 1,
    feedFreshnessSlaHours: 24,
    status: 'ACTIVE',
    blindShipping: true,
    shippingZones: [
      zone('EU', EU_COUNTRIES, [
        { code: 'STANDARD', name: 'DHL Paket', transitDaysMin: 2, transitDaysMax: 4, costMinor: 490 },
        { code: 'EXPRESS', name: 'DHL Express', transitDaysMin: 1, transitDaysMax: 2, costMinor: 1290 },
      ]),
      zone('GB', ['GB'], [{ code: 'STANDARD', name: 'DHL Parcel UK (DDP)', transitDaysMin: 3, transitDaysMax: 6, costMinor: 1190 }]),
    ],
  },
  {
    supplierId: 'atlantic-outfitters',
    name: 'Atlantic Outfitters Wholesale (Manchester)',
    channel: 'file',
    priority: 2,
    currency: 'EUR',
    acceptanceSlaMinutes: 240,
    processingDays: 2,
    feedFreshnessSlaHours: 48,
    status: 'ACTIVE',
    blindShipping: false,
    shippingZones: [
      zone('GB', ['GB'], [
        { code: 'STANDARD', name: 'Royal Mail Tracked 48', transitDaysMin: 2, transitDaysMax: 3, costMinor: 390 },
        { code: 'EXPRESS', name: 'Royal Mail Tracked 24', transitDaysMin: 1, transitDaysMax: 1, costMinor: 690 },
      ]),
      zone('EU', EU_COUNTRIES, [{ code: 'STANDARD', name: 'Evri International (DDP)', transitDaysMin: 4, transitDaysMax: 7, costMinor: 990 }]),
      zone('US', ['US'], [{ code: 'STANDARD', name: 'Royal Mail International Tracked', transitDaysMin: 6, transitDaysMax: 10, costMinor: 1590 }]),
    ],
  },
  {
    supplierId: 'pacific-gadgets',
    name: 'Pacific Gadgets Direct (Reno, NV)',
    channel: 'sqs',
    priority: 3,
    currency: 'EUR',
    acceptanceSlaMinutes: 120,
    processingDays: 1,
    feedFreshnessSlaHours: 12,
    status: 'ACTIVE',
    blindShipping: true,
    shippingZones: [
      zone('US', ['US'], [
        { code: 'GROUND', name: 'UPS Ground', transitDaysMin: 3, transitDaysMax: 5, costMinor: 590 },
        { code: 'EXPRESS', name: 'UPS 2nd Day Air', transitDaysMin: 2, transitDaysMax: 2, costMinor: 1490 },
      ]),
      zone('EU', EU_COUNTRIES, [{ code: 'STANDARD', name: 'UPS Worldwide Expedited (DDP)', transitDaysMin: 5, transitDaysMax: 8, costMinor: 1890 }]),
      zone('GB', ['GB'], [{ code: 'STANDARD', name: 'UPS Worldwide Expedited (DDP)', transitDaysMin: 5, transitDaysMax: 8, costMinor: 1790 }]),
    ],
  },
];

// ---------------------------------------------------------------------------------------------------
// Catalog: retailer SKUs and supplier offers

interface OfferSeed {
  readonly supplierId: string;
  readonly supplierSku: string;
  readonly wholesaleCostMinor: number;
  readonly stock: number;
  readonly mapMinor?: number;
}

interface ProductSeed {
  readonly sku: string;
  readonly title: string;
  readonly retailPriceMinor: number;
  readonly offers: readonly OfferSeed[];
}

const N = 'nordic-home';
const A = 'atlantic-outfitters';
const P = 'pacific-gadgets';

export const DEMO_CATALOG: readonly ProductSeed[] = [
  { sku: 'TSHIRT-BLK-S', title: 'Organic cotton T-shirt, black, S', retailPriceMinor: 2490, offers: [
    { supplierId: N, supplierSku: 'NH-TS-0101-S', wholesaleCostMinor: 980, stock: 140 },
    { supplierId: A, supplierSku: 'AO/TEE/BLK/S', wholesaleCostMinor: 910, stock: 60 },
  ] },
  { sku: 'TSHIRT-BLK-M', title: 'Organic cotton T-shirt, black, M', retailPriceMinor: 2490, offers: [
    { supplierId: N, supplierSku: 'NH-TS-0101-M', wholesaleCostMinor: 980, stock: 5000 },
    { supplierId: A, supplierSku: 'AO/TEE/BLK/M', wholesaleCostMinor: 910, stock: 800 },
  ] },
  { sku: 'TSHIRT-BLK-L', title: 'Organic cotton T-shirt, black, L', retailPriceMinor: 2490, offers: [
    { supplierId: N, supplierSku: 'NH-TS-0101-L', wholesaleCostMinor: 980, stock: 95 },
    { supplierId: A, supplierSku: 'AO/TEE/BLK/L', wholesaleCostMinor: 910, stock: 0 },
  ] },
  { sku: 'TSHIRT-WHT-M', title: 'Organic cotton T-shirt, white, M', retailPriceMinor: 2490, offers: [
    { supplierId: A, supplierSku: 'AO/TEE/WHT/M', wholesaleCostMinor: 910, stock: 220 },
  ] },
  { sku: 'HOODIE-GRY-M', title: 'Recycled fleece hoodie, grey, M', retailPriceMinor: 5990, offers: [
    { supplierId: N, supplierSku: 'NH-HD-0440-M', wholesaleCostMinor: 2650, stock: 70 },
    { supplierId: A, supplierSku: 'AO/HOOD/GRY/M', wholesaleCostMinor: 2490, stock: 35, mapMinor: 5490 },
  ] },
  { sku: 'HOODIE-GRY-L', title: 'Recycled fleece hoodie, grey, L', retailPriceMinor: 5990, offers: [
    { supplierId: N, supplierSku: 'NH-HD-0440-L', wholesaleCostMinor: 2650, stock: 48 },
  ] },
  { sku: 'CAP-NAVY', title: 'Six-panel cotton cap, navy', retailPriceMinor: 1990, offers: [
    { supplierId: A, supplierSku: 'AO/CAP/NVY', wholesaleCostMinor: 720, stock: 310 },
    { supplierId: N, supplierSku: 'NH-CP-0007', wholesaleCostMinor: 760, stock: 120 },
  ] },
  { sku: 'MUG-ENAMEL-WHT', title: 'Enamel camping mug, white', retailPriceMinor: 1490, offers: [
    { supplierId: N, supplierSku: 'NH-MG-2201', wholesaleCostMinor: 510, stock: 400 },
  ] },
  { sku: 'BOTTLE-STEEL-750', title: 'Insulated steel bottle, 750 ml', retailPriceMinor: 2990, offers: [
    { supplierId: N, supplierSku: 'NH-BT-7500', wholesaleCostMinor: 1180, stock: 260 },
    { supplierId: P, supplierSku: 'PGD-BTL-750-SS', wholesaleCostMinor: 1050, stock: 900 },
  ] },
  { sku: 'LAMP-DESK-LED', title: 'Dimmable LED desk lamp', retailPriceMinor: 4990, offers: [
    { supplierId: N, supplierSku: 'NH-LP-3100', wholesaleCostMinor: 2100, stock: 55 },
    { supplierId: P, supplierSku: 'PGD-LMP-DSK-01', wholesaleCostMinor: 1890, stock: 140 },
  ] },
  { sku: 'CANDLE-SOY-CEDAR', title: 'Soy wax candle, cedar', retailPriceMinor: 1890, offers: [
    { supplierId: A, supplierSku: 'AO/CNDL/CEDAR', wholesaleCostMinor: 640, stock: 180 },
  ] },
  { sku: 'BLANKET-WOOL-GRY', title: 'Merino wool throw blanket, grey', retailPriceMinor: 8990, offers: [
    { supplierId: N, supplierSku: 'NH-BL-9001', wholesaleCostMinor: 4200, stock: 25, mapMinor: 7990 },
    { supplierId: A, supplierSku: 'AO/THROW/MERINO/GRY', wholesaleCostMinor: 3950, stock: 12, mapMinor: 7990 },
  ] },
  { sku: 'BACKPACK-ROLLTOP', title: 'Roll-top backpack, 20 l', retailPriceMinor: 8490, offers: [
    { supplierId: A, supplierSku: 'AO/BAG/ROLL20', wholesaleCostMinor: 3700, stock: 40 },
    { supplierId: N, supplierSku: 'NH-BP-2020', wholesaleCostMinor: 3890, stock: 22 },
    { supplierId: P, supplierSku: 'PGD-BPK-RT20', wholesaleCostMinor: 3550, stock: 75 },
  ] },
  { sku: 'EARBUDS-WL-BLK', title: 'Wireless earbuds with charging case, black', retailPriceMinor: 6990, offers: [
    { supplierId: P, supplierSku: 'PGD-EAR-TWS-B', wholesaleCostMinor: 2900, stock: 600, mapMinor: 6490 },
  ] },
  { sku: 'CHARGER-USBC-65W', title: '65 W USB-C GaN charger', retailPriceMinor: 3990, offers: [
    { supplierId: P, supplierSku: 'PGD-CHG-65GAN', wholesaleCostMinor: 1550, stock: 350, mapMinor: 3490 },
    { supplierId: N, supplierSku: 'NH-EL-6500', wholesaleCostMinor: 1690, stock: 80 },
  ] },
  { sku: 'CABLE-USBC-2M', title: 'Braided USB-C cable, 2 m', retailPriceMinor: 1290, offers: [
    { supplierId: P, supplierSku: 'PGD-CBL-CC-2M', wholesaleCostMinor: 330, stock: 2000 },
    { supplierId: N, supplierSku: 'NH-EL-0200', wholesaleCostMinor: 390, stock: 500 },
    { supplierId: A, supplierSku: 'AO/CABLE/USBC/2M', wholesaleCostMinor: 360, stock: 150 },
  ] },
  { sku: 'POWERBANK-10K', title: 'Power bank, 10,000 mAh', retailPriceMinor: 3490, offers: [
    { supplierId: P, supplierSku: 'PGD-PWR-10000', wholesaleCostMinor: 1420, stock: 280 },
  ] },
  { sku: 'SPEAKER-MINI-BT', title: 'Mini Bluetooth speaker', retailPriceMinor: 4490, offers: [
    { supplierId: P, supplierSku: 'PGD-SPK-MINI', wholesaleCostMinor: 1790, stock: 190, mapMinor: 3990 },
    { supplierId: A, supplierSku: 'AO/SPKR/MINI', wholesaleCostMinor: 1850, stock: 30 },
  ] },
  // Out of stock at every supplier: orders for it must not be reserved (later oversell tests).
  { sku: 'PLANTER-CERAMIC-M', title: 'Ceramic planter, medium', retailPriceMinor: 2790, offers: [
    { supplierId: N, supplierSku: 'NH-PL-1402', wholesaleCostMinor: 1010, stock: 0 },
    { supplierId: A, supplierSku: 'AO/PLANTER/M', wholesaleCostMinor: 990, stock: 0 },
  ] },
  // Scarce: 10 units at one supplier (later oversell / concurrency tests).
  { sku: 'KETTLE-GOOSENECK', title: 'Gooseneck pour-over kettle', retailPriceMinor: 7990, offers: [
    { supplierId: N, supplierSku: 'NH-KT-0800', wholesaleCostMinor: 3400, stock: 10 },
  ] },
];

export const OUT_OF_STOCK_SKUS: readonly string[] = DEMO_CATALOG.filter((p) => p.offers.every((o) => o.stock === 0)).map((p) => p.sku);
export const LOW_STOCK_SKUS: readonly string[] = DEMO_CATALOG.filter((p) => {
  const total = p.offers.reduce((sum, o) => sum + o.stock, 0);
  return total > 0 && total <= 10;
}).map((p) => p.sku);
/** Retailer SKUs with stock at some supplier (what `endpoints.json` lists as demo.skus). */
export const IN_STOCK_SKUS: readonly string[] = DEMO_CATALOG.filter((p) => p.offers.some((o) => o.stock > 0)).map((p) => p.sku);

export function demoProducts(currency = 'EUR'): Product[] {
  return DEMO_CATALOG.map((p) => ({ sku: p.sku, title: p.title, retailPriceMinor: p.retailPriceMinor, currency, active: true }));
}

/**
 * The demo offers as feeds write them: feed-owned fields only. Nothing is reserved at seed time, and what
 * orders hold lives on the platform-owned counter `SKU#{sku}` / `RESERVED#{supplierId}` (absent = 0).
 */
export function demoOffers(now: string): StoredOffer[] {
  return DEMO_CATALOG.flatMap((p) =>
    p.offers.map((o) => ({
      sku: p.sku,
      supplierId: o.supplierId,
      supplierSku: o.supplierSku,
      wholesaleCostMinor: o.wholesaleCostMinor,
      currency: 'EUR',
      stock: o.stock,
      ...(o.mapMinor === undefined ? {} : { mapMinor: o.mapMinor }),
      discontinued: false,
      lastFeedAt: now,
    })),
  );
}

// ---------------------------------------------------------------------------------------------------
// Items (store item convention: domain object + key attributes + entity)

export function demoItems(channels: readonly TemplateChannel[], now: Date = new Date()): Record<string, unknown>[] {
  const at = now.toISOString();
  return [
    ...demoChannels(channels).map((c) => ({ ...c, ...keys.channel(c.channelId), entity: 'Channel' })),
    ...DEMO_SUPPLIERS.map((s): Supplier => ({ ...s, lastFeedAt: at })).map((s) => ({ ...s, ...keys.supplier(s.supplierId), entity: 'Supplier' })),
    ...demoProducts().map((p) => ({ ...p, ...keys.product(p.sku), entity: 'Product' })),
    ...demoOffers(at).map((o) => ({
      ...o,
      ...keys.offer(o.sku, o.supplierId),
      ...gsiKeys.offerBySupplierSku(o.supplierId, o.supplierSku),
      entity: 'Offer',
    })),
  ];
}

export interface SeedResult {
  readonly written: number;
  readonly present: number;
}

/** Put every demo item that is not there yet (conditional puts; safe to run on every start). */
export async function seedDemoData(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  channels: readonly TemplateChannel[],
  now: Date = new Date(),
): Promise<SeedResult> {
  const items = demoItems(channels, now);
  let written = 0;
  let present = 0;
  const queue = [...items];
  const worker = async (): Promise<void> => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      try {
        await ddb.send(new PutCommand({ TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
        written++;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException || (error instanceof Error && error.name === 'ConditionalCheckFailedException')) {
          present++;
        } else {
          throw error;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return { written, present };
}
