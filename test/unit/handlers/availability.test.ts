import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Supplier } from '../../../functions/core/suppliers/domain/supplier';
import { keys, gsiKeys } from '../../../functions/core/runtime/table/keys';
import { captureOutput, importWithEnv } from '../fixtures/handler-env';
import { apiEvent, lambdaContext } from '../fixtures/requests';
import { FakeTable } from '../workflow/support/fake-table';

const ddbMock = mockClient(DynamoDBDocumentClient);
type Handler = (typeof import('../../../functions/api/availability'))['handler'];
let handler: Handler;

const NOW = '2026-11-25T10:00:00.000Z'; // Wednesday, before the 14:00 cut-off
const hoursAgo = (h: number) => new Date(Date.parse(NOW) - h * 3_600_000).toISOString();

beforeAll(async () => {
  ({ handler } = await importWithEnv(() => import('../../../functions/api/availability')));
});
afterAll(() => vi.unstubAllEnvs());

let table: FakeTable;
let output: ReturnType<typeof captureOutput>;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(NOW));
  ddbMock.reset();
  table = new FakeTable();
  table.install(ddbMock);
  output = captureOutput();
  seedCatalog();
});
afterEach(() => {
  output.restore();
  vi.useRealTimers();
});

function supplier(id: string, patch: Partial<Supplier> = {}): Supplier {
  return {
    supplierId: id,
    name: id,
    channel: 'file',
    priority: 1,
    currency: 'EUR',
    acceptanceSlaMinutes: 60,
    processingDays: 1,
    feedFreshnessSlaHours: 24,
    shippingZones: [{ zoneId: 'EU', countries: ['DE', 'FR'], methods: [{ code: 'STANDARD', name: 'DHL Paket', transitDaysMin: 2, transitDaysMax: 4, costMinor: 490 }] }],
    status: 'ACTIVE',
    lastFeedAt: hoursAgo(1),
    blindShipping: false,
    ...patch,
  };
}

function seedSupplier(s: Supplier): void {
  table.seed({ ...s, ...keys.supplier(s.supplierId), entity: 'Supplier' });
}

function seedOffer(sku: string, supplierId: string, stock: number, reserved = 0, patch: Record<string, unknown> = {}): void {
  table.seed({
    sku,
    supplierId,
    supplierSku: `${supplierId}-${sku}`,
    wholesaleCostMinor: 900,
    currency: 'EUR',
    stock,
    discontinued: false,
    lastFeedAt: hoursAgo(1),
    ...patch,
    ...keys.offer(sku, supplierId),
    ...gsiKeys.offerBySupplierSku(supplierId, `${supplierId}-${sku}`),
    entity: 'Offer',
  });
  if (reserved > 0) table.seed({ sku, supplierId, reserved, ...keys.offerReservations(sku, supplierId), entity: 'OfferReservations' });
}

function seedProduct(sku: string, retailPriceMinor: number, active = true): void {
  table.seed({ sku, title: sku, retailPriceMinor, currency: 'EUR', active, ...keys.product(sku), entity: 'Product' });
}

function seedCatalog(): void {
  seedSupplier(supplier('nordic', { processingDays: 1 }));
  seedSupplier(supplier('atlantic', { processingDays: 2, priority: 2, shippingZones: [{ zoneId: 'EU', countries: ['DE'], methods: [{ code: 'STANDARD', name: 'Evri', transitDaysMin: 4, transitDaysMax: 7, costMinor: 990 }] }] }));
  seedSupplier(supplier('stale', { status: 'STALE', staleSince: hoursAgo(2), lastFeedAt: hoursAgo(40) }));
  seedProduct('TSHIRT', 1999);
  seedOffer('TSHIRT', 'nordic', 10, 3);
  seedOffer('TSHIRT', 'atlantic', 5, 0, { wholesaleCostMinor: 1_100 });
  seedOffer('TSHIRT', 'stale', 100, 0, { lastFeedAt: hoursAgo(40) });
  seedProduct('MUG', 1490);
  seedOffer('MUG', 'nordic', 4);
  seedProduct('OLD', 990, false);
  seedOffer('OLD', 'nordic', 50);
}

const invoke = (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => handler(event, lambdaContext);

function getEvent(query: Record<string, string | string[]>, apiKeyId?: string | null): APIGatewayProxyEvent {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(query)) {
    const values = Array.isArray(v) ? v : [v];
    single[k] = values[values.length - 1] ?? '';
    multi[k] = values;
  }
  return { ...apiEvent({ method: 'GET', path: '/availability', apiKeyId }), queryStringParameters: single, multiValueQueryStringParameters: multi };
}

function postEvent(body: unknown, headers: Record<string, string> = { 'Content-Type': 'application/json' }): APIGatewayProxyEvent {
  return apiEvent({ method: 'POST', path: '/availability', body: typeof body === 'string' ? body : JSON.stringify(body), headers });
}

const body = (r: APIGatewayProxyResult) => JSON.parse(r.body) as Record<string, unknown> & { issues?: { path: string; message: string }[] };

describe('GET /availability', () => {
  it('200: sellable across fresh suppliers minus reservations, the chosen supplier, method and delivery window', async () => {
    const result = await invoke(getEvent({ sku: 'TSHIRT', country: 'de', postcode: '10115', quantity: '2' }));
    expect(result.statusCode).toBe(200);
    expect(body(result)).toEqual({
      sku: 'TSHIRT',
      requestedQuantity: 2,
      // nordic 10 − 3 reserved + atlantic 5; the STALE supplier's 100 units do not count
      sellableQuantity: 12,
      available: true,
      supplierId: 'nordic',
      shippingMethod: { code: 'STANDARD', name: 'DHL Paket' },
      deliveryWindow: { earliest: '2026-11-30', latest: '2026-12-02', businessDaysMin: 3, businessDaysMax: 5 },
      estimateQuantity: 2,
      shipments: [
        {
          supplierId: 'nordic',
          quantity: 2,
          shippingMethod: { code: 'STANDARD', name: 'DHL Paket' },
          processingDays: 1,
          transitDaysMin: 2,
          transitDaysMax: 4,
          shipBy: '2026-11-26',
          earliestDelivery: '2026-11-30',
          deliverBy: '2026-12-02',
        },
      ],
      reasons: [],
      destination: { country: 'DE', postcode: '10115' },
      asOf: NOW,
    });
    // One catalog query for the SKU and one BatchGet for its suppliers.
    expect(table.log.map((l) => l.command)).toEqual(['Query', 'BatchGet']);
  });

  it('more than is sellable: the estimate covers what is sellable, with the reason', async () => {
    const result = body(await invoke(getEvent({ sku: 'TSHIRT', country: 'DE', quantity: '20' })));
    expect(result).toMatchObject({ requestedQuantity: 20, sellableQuantity: 12, available: false, estimateQuantity: 12 });
    expect(result.reasons).toEqual([{ code: 'INSUFFICIENT_STOCK', detail: '12 sellable, 20 requested' }]);
  });

  it('a destination no supplier ships to: nothing sellable, no estimate, the reason', async () => {
    const result = body(await invoke(getEvent({ sku: 'MUG', country: 'JP' })));
    expect(result).toMatchObject({ sellableQuantity: 0, available: false });
    expect(result.supplierId).toBeUndefined();
    expect((result.reasons as { code: string }[]).map((r) => r.code)).toEqual(['NO_SHIPPING_ZONE']);
  });

  it.each<[string, string, string]>([
    ['unknown', 'NOPE', 'UNKNOWN_SKU'],
    ['inactive', 'OLD', 'INACTIVE_SKU'],
  ])('an %s SKU sells nothing (200 with the reason)', async (_name, sku, code) => {
    const result = await invoke(getEvent({ sku, country: 'DE' }));
    expect(result.statusCode).toBe(200);
    expect(body(result)).toMatchObject({ sku, sellableQuantity: 0, available: false, reasons: [{ code }] });
  });

  it('MAP: a unit price below a supplier MAP does not count that supplier', async () => {
    seedOffer('TSHIRT', 'atlantic', 5, 0, { wholesaleCostMinor: 1_100, mapMinor: 1_800 });
    expect(body(await invoke(getEvent({ sku: 'TSHIRT', country: 'DE', unitPrice: '17.99' }))).sellableQuantity).toBe(7);
    expect(body(await invoke(getEvent({ sku: 'TSHIRT', country: 'DE' }))).sellableQuantity).toBe(12); // catalog price 19.99
  });

  it.each<[string, Record<string, string | string[]>, string]>([
    ['missing sku', { country: 'DE' }, 'sku'],
    ['missing country', { sku: 'TSHIRT' }, 'country'],
    ['unassigned country', { sku: 'TSHIRT', country: 'XX' }, 'country'],
    ['postcode invalid for the country', { sku: 'TSHIRT', country: 'DE', postcode: 'ABC' }, 'postcode'],
    ['quantity 0', { sku: 'TSHIRT', country: 'DE', quantity: '0' }, 'quantity'],
    ['quantity not a number', { sku: 'TSHIRT', country: 'DE', quantity: 'two' }, 'quantity'],
    ['quantity above 999', { sku: 'TSHIRT', country: 'DE', quantity: '1000' }, 'quantity'],
    ['sku with a space', { sku: 'T SHIRT', country: 'DE' }, 'sku'],
    ['unit price not a decimal', { sku: 'TSHIRT', country: 'DE', unitPrice: '-1' }, 'unitPrice'],
    ['unit price with too many decimals for EUR', { sku: 'TSHIRT', country: 'DE', unitPrice: '19.999' }, 'unitPrice'],
    ['unknown parameter', { sku: 'TSHIRT', country: 'DE', zip: '10115' }, 'zip'],
    ['sku given twice', { sku: ['TSHIRT', 'MUG'], country: 'DE' }, 'sku'],
  ])('422 for %s, naming the field', async (_name, query, path) => {
    const result = await invoke(getEvent(query));
    expect(result.statusCode).toBe(422);
    expect(body(result).issues?.map((i) => i.path)).toEqual([path]);
  });

  it('403 when the API key is not mapped to a channel, nothing read', async () => {
    const result = await invoke(getEvent({ sku: 'TSHIRT', country: 'DE' }, 'key-unknown'));
    expect(result.statusCode).toBe(403);
    expect(table.log).toEqual([]);
  });
});

describe('POST /availability', () => {
  it('200: per SKU (cart totals) and the whole cart routed together', async () => {
    const result = await invoke(
      postEvent({
        destination: { country: 'DE', postcode: '10115' },
        items: [{ sku: 'TSHIRT', quantity: 1 }, { sku: 'MUG', quantity: 2, unitPrice: '14.90' }, { sku: 'TSHIRT', quantity: 1, unitPriceMinor: 1999 }],
      }),
    );
    expect(result.statusCode).toBe(200);
    const r = body(result) as Record<string, unknown> & { items: Record<string, unknown>[]; cart?: { shipments: { supplierId: string; quantity: number }[]; deliveryWindow: unknown } };
    expect(r).toMatchObject({ destination: { country: 'DE', postcode: '10115' }, asOf: NOW, allAvailable: true });
    expect(r.items.map((i) => [i.sku, i.requestedQuantity, i.sellableQuantity, i.available])).toEqual([
      ['TSHIRT', 2, 12, true],
      ['MUG', 2, 4, true],
    ]);
    // nordic has both: one parcel.
    expect(r.cart?.shipments.map((s) => [s.supplierId, s.quantity])).toEqual([['nordic', 4]]);
    expect(r.cart?.deliveryWindow).toEqual({ earliest: '2026-11-30', latest: '2026-12-02', businessDaysMin: 3, businessDaysMax: 5 });
  });

  it('a cart with something unavailable: allAvailable false, no cart route, the item says why', async () => {
    const r = body(await invoke(postEvent({ destination: { country: 'DE' }, items: [{ sku: 'MUG', quantity: 5 }, { sku: 'NOPE' }] }))) as Record<string, unknown> & {
      items: { sku: string; reasons: { code: string }[] }[];
    };
    expect(r.allAvailable).toBe(false);
    expect(r.cart).toBeUndefined();
    expect(r.items.map((i) => [i.sku, i.reasons.map((x) => x.code)])).toEqual([
      ['MUG', ['INSUFFICIENT_STOCK']],
      ['NOPE', ['UNKNOWN_SKU']],
    ]);
  });

  it.each<[string, unknown, string[]]>([
    ['no items', { destination: { country: 'DE' }, items: [] }, ['items']],
    ['51 items', { destination: { country: 'DE' }, items: Array.from({ length: 51 }, (_, i) => ({ sku: `S${i}` })) }, ['items']],
    ['quantity 0', { destination: { country: 'DE' }, items: [{ sku: 'MUG', quantity: 0 }] }, ['items.0.quantity']],
    ['quantity as a string', { destination: { country: 'DE' }, items: [{ sku: 'MUG', quantity: '2' }] }, ['items.0.quantity']],
    ['both prices', { destination: { country: 'DE' }, items: [{ sku: 'MUG', unitPrice: '1.00', unitPriceMinor: 100 }] }, ['items.0.unitPriceMinor']],
    ['negative minor price', { destination: { country: 'DE' }, items: [{ sku: 'MUG', unitPriceMinor: -1 }] }, ['items.0.unitPriceMinor']],
    ['no destination country', { destination: {}, items: [{ sku: 'MUG' }] }, ['destination.country']],
    ['bad postcode', { destination: { country: 'FR', postcode: '1' }, items: [{ sku: 'MUG' }] }, ['destination.postcode']],
    // As for POST /orders: an unknown top-level field is reported at `body`, its name in the message.
    ['unknown field', { destination: { country: 'DE' }, items: [{ sku: 'MUG' }], channel: 'demo-web' }, ['body']],
    ['unknown item field', { destination: { country: 'DE' }, items: [{ sku: 'MUG', qty: 1 }] }, ['items.0']],
    ['price with too many decimals', { destination: { country: 'DE' }, items: [{ sku: 'MUG' }, { sku: 'TSHIRT', unitPrice: '1.001' }] }, ['items.1.unitPrice']],
  ])('422 for %s, naming the field', async (_name, payload, paths) => {
    const result = await invoke(postEvent(payload));
    expect(result.statusCode).toBe(422);
    expect(body(result).issues?.map((i) => i.path)).toEqual(paths);
  });

  it.each<[string, APIGatewayProxyEvent, number, string]>([
    ['malformed JSON', postEvent('{"destination":'), 400, 'body'],
    ['an empty body', postEvent(''), 400, 'body'],
    ['a form body', postEvent('a=b', { 'Content-Type': 'application/x-www-form-urlencoded' }), 415, 'headers.content-type'],
  ])('%s → %s', async (_name, event, status, path) => {
    const result = await invoke(event);
    expect(result.statusCode).toBe(status);
    expect(body(result).issues?.map((i) => i.path)).toEqual([path]);
  });
});
