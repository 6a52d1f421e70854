/**
 * A seeded world for workflow tests: the in-memory table (catalog like the demo data), mocked Step
 * Functions and SQS clients, a fixed clock and silent logger/metrics, plus builders for orders,
 * fulfillments and supplier messages.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { vi } from 'vitest';
import { routeOrder } from '../../../../functions/core/workflow/domain/routing';
import type { Channel } from '../../../../functions/core/orders/domain/channel';
import type { Product, SupplierOffer } from '../../../../functions/core/inventory/domain/catalog';
import type { Supplier } from '../../../../functions/core/suppliers/domain/supplier';
import type { WorkflowOrder } from '../../../../functions/core/orders/domain/order';
import { allocate, commitAllocation } from '../../../../functions/core/workflow/services/allocation';
import { SupplierDirectory } from '../../../../functions/core/suppliers/services/supplier-outbound';
import type { TaskLogger, WorkflowDeps } from '../../../../functions/core/workflow/services/workflow-common';
import { DEFAULT_WORKFLOW_SETTINGS, type WorkflowSettings } from '../../../../functions/core/workflow/services/workflow-settings';
import type { StoredOffer } from '../../../../functions/core/inventory/store/catalog';
import type { StoreContext } from '../../../../functions/core/runtime/table/context';
import type { FulfillmentRecord } from '../../../../functions/core/workflow/domain/fulfillment-record';
import type { FulfillmentEvent } from '../../../../functions/core/workflow/domain/fulfillment';
import { applyFulfillmentEvent } from '../../../../functions/core/workflow/domain/fulfillment-events';
import { fulfillmentItem } from '../../../../functions/core/workflow/store/fulfillments';
import { gsiKeys, keys } from '../../../../functions/core/runtime/table/keys';
import { orderItem } from '../../../../functions/core/orders/store/orders';
import { sampleOrder } from '../../fixtures/orders';
import { FakeTable, TABLE } from './fake-table';

/** A Wednesday, 10:00 UTC (before the 14:00 cut-off): ship-by / deliver-by are business-day arithmetic from here. */
export const NOW = new Date('2026-11-25T10:00:00.000Z');
export const ORDER_ID = 'ord_0123456789abcdefghjkmnpqrs';
export const F1 = 'ful_0123456789abcdefghjkmnpqrs_01';
export const F2 = 'ful_0123456789abcdefghjkmnpqrs_02';

export const ACCOUNT = '000000000000';
export const queueArn = (supplierId: string, kind: 'inbound' | 'outbound' | 'dlq') => `arn:aws:sqs:us-east-1:${ACCOUNT}:${supplierId}-${kind}`;
export const queueUrl = (supplierId: string, kind: 'inbound' | 'outbound' | 'dlq') => `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/${supplierId}-${kind}`;

const EU = ['DE', 'FR', 'NL', 'AT', 'IT', 'ES'];

export const SUPPLIERS: readonly Supplier[] = [
  {
    supplierId: 'nordic-home',
    name: 'Nordic Home',
    channel: 'sqs',
    priority: 1,
    currency: 'EUR',
    acceptanceSlaMinutes: 60,
    processingDays: 1,
    feedFreshnessSlaHours: 24,
    status: 'ACTIVE',
    blindShipping: true,
    lastFeedAt: NOW.toISOString(),
    shippingZones: [{ zoneId: 'EU', countries: EU, methods: [{ code: 'STANDARD', name: 'DHL Paket', transitDaysMin: 2, transitDaysMax: 4, costMinor: 490 }] }],
  },
  {
    supplierId: 'atlantic-outfitters',
    name: 'Atlantic Outfitters',
    channel: 'sqs',
    priority: 2,
    currency: 'EUR',
    acceptanceSlaMinutes: 240,
    processingDays: 2,
    feedFreshnessSlaHours: 48,
    status: 'ACTIVE',
    blindShipping: false,
    lastFeedAt: NOW.toISOString(),
    shippingZones: [
      { zoneId: 'EU', countries: EU, methods: [{ code: 'STANDARD', name: 'Evri International', transitDaysMin: 4, transitDaysMax: 7, costMinor: 990 }] },
      { zoneId: 'GB', countries: ['GB'], methods: [{ code: 'STANDARD', name: 'Royal Mail Tracked 48', transitDaysMin: 2, transitDaysMax: 3, costMinor: 390 }] },
    ],
  },
  {
    supplierId: 'pacific-gadgets',
    name: 'Pacific Gadgets',
    channel: 'sqs',
    priority: 3,
    currency: 'EUR',
    acceptanceSlaMinutes: 120,
    processingDays: 1,
    feedFreshnessSlaHours: 12,
    status: 'ACTIVE',
    blindShipping: true,
    lastFeedAt: NOW.toISOString(),
    shippingZones: [
      { zoneId: 'US', countries: ['US'], methods: [{ code: 'GROUND', name: 'UPS Ground', transitDaysMin: 3, transitDaysMax: 5, costMinor: 590 }] },
      { zoneId: 'EU', countries: EU, methods: [{ code: 'STANDARD', name: 'UPS Expedited', transitDaysMin: 5, transitDaysMax: 8, costMinor: 1890 }] },
    ],
  },
];

interface CatalogSeed {
  readonly sku: string;
  readonly retailPriceMinor: number;
  readonly active?: boolean;
  readonly offers: readonly { supplierId: string; supplierSku: string; wholesaleCostMinor: number; stock: number; mapMinor?: number }[];
}

export const CATALOG: readonly CatalogSeed[] = [
  {
    sku: 'TSHIRT-BLK-M',
    retailPriceMinor: 1999,
    offers: [
      { supplierId: 'nordic-home', supplierSku: 'NH-TS-0101-M', wholesaleCostMinor: 980, stock: 100 },
      { supplierId: 'atlantic-outfitters', supplierSku: 'AO/TEE/BLK/M', wholesaleCostMinor: 910, stock: 50 },
    ],
  },
  { sku: 'MUG-ENAMEL-WHT', retailPriceMinor: 1490, offers: [{ supplierId: 'nordic-home', supplierSku: 'NH-MG-2201', wholesaleCostMinor: 510, stock: 40 }] },
  { sku: 'EARBUDS-WL-BLK', retailPriceMinor: 6990, offers: [{ supplierId: 'pacific-gadgets', supplierSku: 'PGD-EAR-TWS-B', wholesaleCostMinor: 2900, stock: 60 }] },
  { sku: 'KETTLE-GOOSENECK', retailPriceMinor: 7990, offers: [{ supplierId: 'nordic-home', supplierSku: 'NH-KT-0800', wholesaleCostMinor: 3400, stock: 10 }] },
  {
    sku: 'CABLE-USBC-2M',
    retailPriceMinor: 1290,
    offers: [
      { supplierId: 'pacific-gadgets', supplierSku: 'PGD-CBL-CC-2M', wholesaleCostMinor: 330, stock: 200 },
      { supplierId: 'nordic-home', supplierSku: 'NH-EL-0200', wholesaleCostMinor: 390, stock: 50 },
      { supplierId: 'atlantic-outfitters', supplierSku: 'AO/CABLE/USBC/2M', wholesaleCostMinor: 360, stock: 15 },
    ],
  },
  { sku: 'RETIRED-THING', retailPriceMinor: 990, active: false, offers: [{ supplierId: 'nordic-home', supplierSku: 'NH-OLD', wholesaleCostMinor: 100, stock: 5 }] },
];

export const CHANNEL: Channel = {
  channelId: 'demo-web',
  name: 'Demo web store',
  platform: 'custom',
  currency: 'EUR',
  typicalOrderValueMinor: 6_500,
  branding: { displayName: 'Northwind Goods', logoUrl: 'https://example.com/logo.svg', returnInstructions: 'Returns within 30 days.' },
};

/** An offer as feeds write it: feed-owned fields only, no `reserved` (that is the counter's). */
export function offerItem(offer: StoredOffer): Record<string, unknown> {
  return { ...offer, ...keys.offer(offer.sku, offer.supplierId), ...gsiKeys.offerBySupplierSku(offer.supplierId, offer.supplierSku), entity: 'Offer' };
}

/** The platform-owned counter beside an offer (`SKU#{sku}` / `RESERVED#{supplierId}`). */
export function reservationsCounterItem(sku: string, supplierId: string, reserved: number): Record<string, unknown> {
  return { sku, supplierId, reserved, ...keys.offerReservations(sku, supplierId), entity: 'OfferReservations' };
}

export function catalogItems(catalog: readonly CatalogSeed[] = CATALOG, at: string = NOW.toISOString()): Record<string, unknown>[] {
  return [
    { ...CHANNEL, ...keys.channel(CHANNEL.channelId), entity: 'Channel' },
    ...SUPPLIERS.map((s) => ({ ...s, ...keys.supplier(s.supplierId), entity: 'Supplier' })),
    ...catalog.flatMap((p) => [
      { sku: p.sku, title: p.sku, retailPriceMinor: p.retailPriceMinor, currency: 'EUR', active: p.active ?? true, ...keys.product(p.sku), entity: 'Product' } satisfies Product & Record<string, unknown>,
      ...p.offers.map((o) =>
        offerItem({ sku: p.sku, ...o, currency: 'EUR', discontinued: false, lastFeedAt: at }),
      ),
    ]),
  ];
}

export function order(overrides: Partial<WorkflowOrder> = {}): WorkflowOrder {
  return { ...sampleOrder({ orderId: ORDER_ID, createdAt: NOW.toISOString(), updatedAt: NOW.toISOString() }), ...overrides };
}

export const silentLogger = (): TaskLogger & { readonly calls: () => string } => {
  const debug = vi.fn();
  const info = vi.fn();
  const warn = vi.fn();
  const error = vi.fn();
  return {
    debug,
    info,
    warn,
    error,
    calls: () => JSON.stringify([debug.mock.calls, info.mock.calls, warn.mock.calls, error.mock.calls]),
  } as unknown as TaskLogger & { readonly calls: () => string };
};

export interface World {
  readonly table: FakeTable;
  readonly store: StoreContext;
  readonly clock: { ms: number };
  readonly deps: WorkflowDeps & { readonly logger: ReturnType<typeof silentLogger> };
  readonly sfn: SFNClient;
  readonly sqs: SQSClient;
  readonly suppliers: SupplierDirectory;
  readonly metrics: { readonly addMetric: ReturnType<typeof vi.fn<(name: string, unit: string, value: number) => unknown>> };
  advance(ms: number): void;
}

export const ddbClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }), {
  marshallOptions: { removeUndefinedValues: true },
});
export const sfnClient = new SFNClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
export const sqsClient = new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

export function supplierDirectory(ids: readonly string[] = SUPPLIERS.map((s) => s.supplierId)): SupplierDirectory {
  return new SupplierDirectory(
    ids.map((id) => ({
      supplierId: id,
      inboundQueueArn: queueArn(id, 'inbound'),
      inboundQueueUrl: queueUrl(id, 'inbound'),
      outboundQueueUrl: queueUrl(id, 'outbound'),
      inboundDlqUrl: queueUrl(id, 'dlq'),
    })),
  );
}

/** A fresh world; `table.install(ddbMock)` must have been called by the test file's beforeEach. */
export function makeWorld(table: FakeTable, settings: Partial<WorkflowSettings> = {}): World {
  const clock = { ms: NOW.getTime() };
  const logger = silentLogger();
  const store: StoreContext = { ddb: ddbClient, tableName: TABLE };
  return {
    table,
    store,
    clock,
    deps: { store, settings: { ...DEFAULT_WORKFLOW_SETTINGS, ...settings }, now: () => new Date(clock.ms), logger },
    sfn: sfnClient,
    sqs: sqsClient,
    suppliers: supplierDirectory(),
    metrics: { addMetric: vi.fn<(name: string, unit: string, value: number) => unknown>() },
    advance(ms: number) {
      clock.ms += ms;
    },
  };
}

export function putOrder(table: FakeTable, o: WorkflowOrder): void {
  table.seed(orderItem(o));
}

export function storedOrder(table: FakeTable, orderId: string = ORDER_ID): WorkflowOrder {
  const item = table.get(keys.order(orderId).pk, '#ORDER');
  if (item === undefined) throw new Error(`order ${orderId} not stored`);
  return item as unknown as WorkflowOrder;
}

export function storedFulfillment(table: FakeTable, id: string, orderId: string = ORDER_ID): FulfillmentRecord & Record<string, unknown> {
  const item = table.get(keys.order(orderId).pk, `FULFILLMENT#${id}`);
  if (item === undefined) throw new Error(`fulfillment ${id} not stored`);
  return item as unknown as FulfillmentRecord & Record<string, unknown>;
}

/** An offer's stock (offer item) and reserved units (its counter item; absent = 0). */
export function offerOf(table: FakeTable, sku: string, supplierId: string): { stock: number; reserved: number } {
  const item = table.get(`SKU#${sku}`, `OFFER#${supplierId}`);
  const counter = table.get(`SKU#${sku}`, `RESERVED#${supplierId}`);
  return { stock: Number(item?.stock), reserved: Number(counter?.reserved ?? 0) };
}

/** Set an offer's reserved units (its counter) as if orders held them. */
export function seedReserved(table: FakeTable, sku: string, supplierId: string, reserved: number): void {
  table.seed(reservationsCounterItem(sku, supplierId, reserved));
}

/** Every offer as domain code sees it (stock from the offer, reserved from its counter). */
export function catalogOffers(table: FakeTable): SupplierOffer[] {
  return table.entities('Offer').map((i) => {
    const row = i as unknown as StoredOffer;
    return { ...row, reserved: offerOf(table, row.sku, row.supplierId).reserved };
  });
}

export function timelineTypes(table: FakeTable, orderId: string = ORDER_ID): string[] {
  return table
    .entities('TimelineEvent', `ORDER#${orderId}`)
    .sort((a, b) => (String(a.sk) < String(b.sk) ? -1 : 1))
    .map((e) => String(e.type));
}

/**
 * An order routed and reserved (IN_FULFILLMENT) with fulfillments in the given states, written
 * through the real allocation code. `mutate` adjusts each fulfillment before it is stored.
 */
export async function routedOrder(
  world: World,
  o: WorkflowOrder = order(),
  mutate: (record: FulfillmentRecord, index: number) => FulfillmentRecord = (r) => r,
): Promise<FulfillmentRecord[]> {
  const { table, store, deps } = world;
  const offers = catalogOffers(table);
  const allocation = routeOrder({
    lines: o.lines.map((l) => ({ lineNo: l.lineNo, sku: l.sku, quantity: l.quantity, unitPriceMinor: l.unitPriceMinor })),
    destination: { country: o.shippingAddress.country },
    offers,
    suppliers: [...SUPPLIERS],
    now: NOW.toISOString(),
    currency: o.currency,
  });
  if (allocation.unservable.length > 0) throw new Error('test order is not routable');
  const allocated = allocation.fulfillments.map((p, i) => allocate(o, p, i + 1, SUPPLIERS.find((s) => s.supplierId === p.supplierId), NOW.toISOString(), deps.settings));
  putOrder(table, { ...o, status: 'VALIDATED', screening: { decision: 'ACCEPT', score: 0, rules: [], at: NOW.toISOString() } });
  const outcome = await commitAllocation(store, allocated, { offers }, [], NOW.toISOString());
  if (!outcome.ok) throw new Error('could not seed the allocation');
  const records = allocated.map((a, i) => mutate(a.record, i));
  for (const r of records) table.seed(fulfillmentItem(r));
  const current = storedOrder(table, o.orderId);
  putOrder(table, { ...current, status: 'IN_FULFILLMENT', version: current.version + 1 });
  return records;
}

/** `minutes` after NOW, as an ISO instant. */
export const at = (minutes: number): string => new Date(NOW.getTime() + minutes * 60_000).toISOString();

/** A fulfillment record after `events` (each must apply: a test setup that does not is a broken test). */
export const apply = (r: FulfillmentRecord, ...events: FulfillmentEvent[]): FulfillmentRecord =>
  events.reduce<FulfillmentRecord>((state, e) => {
    const result = applyFulfillmentEvent(state, e);
    if (result.outcome !== 'applied') throw new Error(`${e.type} not applied`);
    return { ...state, ...result.state };
  }, r);

/** Dispatched at NOW. */
export const dispatched = (r: FulfillmentRecord): FulfillmentRecord => apply(r, { type: 'DISPATCHED', at: at(0) });

/**
 * The usual `beforeEach` of the workflow tests: mocks reset, SendMessage answered, a fake table with the
 * catalog seeded and installed, and a world over it.
 */
export function seededWorld(ddbMock: AwsClientStub<DynamoDBDocumentClient>, sqsMock: AwsClientStub<SQSClient>, messageId = 'm-1'): { table: FakeTable; world: World } {
  ddbMock.reset();
  sqsMock.reset();
  sqsMock.on(SendMessageCommand).resolves({ MessageId: messageId });
  const table = new FakeTable();
  table.install(ddbMock);
  table.seed(...catalogItems());
  return { table, world: makeWorld(table) };
}
