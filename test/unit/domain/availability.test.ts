import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_AVAILABILITY_CONFIG, cartAvailability, skuAvailability } from '../../../functions/core/inventory/domain/availability';
import type { AvailabilityQuery } from '../../../functions/core/inventory/domain/availability';
import type { Supplier } from '../../../functions/core/suppliers/domain/supplier';
import type { SupplierOffer } from '../../../functions/core/inventory/domain/catalog';
import { AvailabilityDestination } from '../../../functions/core/inventory/schemas/availability';

const NOW = '2026-11-25T10:00:00.000Z'; // Wednesday, before the 14:00 cut-off
const hoursAgo = (h: number): string => new Date(Date.parse(NOW) - h * 3_600_000).toISOString();

function supplier(id: string, patch: Partial<Supplier> = {}): Supplier {
  return {
    supplierId: id,
    name: id.toUpperCase(),
    channel: 'sqs',
    priority: 10,
    currency: 'USD',
    acceptanceSlaMinutes: 60,
    processingDays: 1,
    feedFreshnessSlaHours: 24,
    shippingZones: [{ zoneId: 'us', countries: ['US'], methods: [{ code: 'GROUND', name: 'Ground', transitDaysMin: 2, transitDaysMax: 5, costMinor: 500 }] }],
    status: 'ACTIVE',
    lastFeedAt: hoursAgo(1),
    blindShipping: true,
    ...patch,
  };
}

function offer(supplierId: string, patch: Partial<SupplierOffer> = {}, sku = 'X'): SupplierOffer {
  return {
    sku,
    supplierId,
    supplierSku: `${supplierId}-${sku}`,
    wholesaleCostMinor: 1_000,
    currency: 'USD',
    stock: 10,
    reserved: 0,
    discontinued: false,
    lastFeedAt: hoursAgo(1),
    ...patch,
  };
}

function query(offers: SupplierOffer[], suppliers: Supplier[], patch: Partial<AvailabilityQuery> = {}): AvailabilityQuery {
  return { sku: 'X', destination: { country: 'US', postcode: '94105' }, offers, suppliers, now: NOW, ...patch };
}

describe('sellable quantity', () => {
  const A = supplier('a');
  const B = supplier('b');
  it.each<[string, SupplierOffer[], Supplier[], Partial<AvailabilityQuery>, number, number]>([
    ['one supplier', [offer('a', { stock: 7, reserved: 2 })], [A], {}, 5, 0],
    ['two suppliers add up', [offer('a', { stock: 7, reserved: 2 }), offer('b', { stock: 4, reserved: 1 })], [A, B], {}, 8, 0],
    ['no offers', [], [A], {}, 0, 0],
    ['everything reserved', [offer('a', { stock: 3, reserved: 3 })], [A], {}, 0, 0],
    ['stock dropped below reservations: zero, with a shortfall', [offer('a', { stock: 2, reserved: 5 })], [A], {}, 0, 3],
    ['a shortfall eats into the other supplier', [offer('a', { stock: 2, reserved: 5 }), offer('b', { stock: 10, reserved: 0 })], [A, B], {}, 7, 3],
    ['stale feed does not count', [offer('a', { stock: 9, lastFeedAt: hoursAgo(30) }), offer('b', { stock: 4 })], [supplier('a', { lastFeedAt: hoursAgo(30) }), B], {}, 4, 0],
    ['STALE supplier does not count', [offer('a', { stock: 9 }), offer('b', { stock: 4 })], [supplier('a', { status: 'STALE' }), B], {}, 4, 0],
    ['discontinued does not count', [offer('a', { stock: 9, discontinued: true }), offer('b', { stock: 4 })], [A, B], {}, 4, 0],
    ['not shipping to the destination does not count', [offer('a', { stock: 9 })], [A], { destination: { country: 'FR' } }, 0, 0],
    ['MAP above the retail price does not count', [offer('a', { stock: 9, mapMinor: 3_000 }), offer('b', { stock: 4 })], [A, B], { unitPriceMinor: 2_500 }, 4, 0],
    ['MAP is not checked without a price', [offer('a', { stock: 9, mapMinor: 3_000 })], [A], {}, 9, 0],
    ['offers for other SKUs are ignored', [offer('a', { stock: 9 }, 'Y')], [A], {}, 0, 0],
  ])('%s → sellable %i, shortfall %i', (_name, offers, suppliers, patch, sellable, shortfall) => {
    const r = skuAvailability(query(offers, suppliers, patch));
    expect(r.sellableQuantity).toBe(sellable);
    expect(r.shortfall).toBe(shortfall);
  });

  it('without shortfall deduction each supplier counts max(0, stock − reserved)', () => {
    const r = skuAvailability(query([offer('a', { stock: 2, reserved: 5 }), offer('b', { stock: 10 })], [supplier('a'), supplier('b')]), {
      ...DEFAULT_AVAILABILITY_CONFIG,
      deductShortfall: false,
    });
    expect(r).toMatchObject({ sellableQuantity: 10, grossAvailable: 10, shortfall: 3 });
  });

  it('reports per-supplier figures, and the shortfall of suppliers that are not counted too', () => {
    const r = skuAvailability(query([offer('a', { stock: 1, reserved: 4 }), offer('b', { stock: 6, reserved: 1 })], [supplier('a', { status: 'STALE' }), supplier('b')]));
    expect(r.suppliers).toEqual([
      { supplierId: 'a', counted: false, stock: 1, reserved: 4, available: 0, shortfall: 3, reasons: [{ code: 'SUPPLIER_NOT_ACTIVE', detail: 'supplier status is STALE' }] },
      { supplierId: 'b', counted: true, stock: 6, reserved: 1, available: 5, shortfall: 0, reasons: [] },
    ]);
    expect(r).toMatchObject({ sellableQuantity: 5, shortfall: 0, totalShortfall: 3 });
  });
});

describe('supplier choice and delivery window', () => {
  it('names the supplier routing would choose, its method and the delivery window', () => {
    const r = skuAvailability(
      query([offer('a', { wholesaleCostMinor: 1_200 }), offer('b', { wholesaleCostMinor: 900 })], [supplier('a'), supplier('b', { processingDays: 2 })], { quantity: 2 }),
    );
    expect(r.route).toEqual({
      quantity: 2,
      supplierId: 'b',
      deliveryWindow: { earliest: '2026-12-01', latest: '2026-12-04' },
      shipments: [
        {
          supplierId: 'b',
          quantity: 2,
          shippingMethod: { code: 'GROUND', name: 'Ground', transitDaysMin: 2, transitDaysMax: 5 },
          shipBy: '2026-11-27',
          earliestDelivery: '2026-12-01',
          deliverBy: '2026-12-04',
        },
      ],
    });
    expect(r.reasons).toEqual([]);
  });

  it('asking for more than is sellable: the estimate covers what is sellable and says why', () => {
    const r = skuAvailability(query([offer('a', { stock: 3 })], [supplier('a')], { quantity: 5 }));
    expect(r.sellableQuantity).toBe(3);
    expect(r.route?.quantity).toBe(3);
    expect(r.reasons).toEqual([{ code: 'INSUFFICIENT_STOCK', detail: '3 sellable, 5 requested' }]);
  });

  it('nothing sellable: no route, and the routing reasons', () => {
    const r = skuAvailability(query([offer('a', { lastFeedAt: hoursAgo(48) })], [supplier('a', { lastFeedAt: hoursAgo(48) })]));
    expect(r.route).toBeUndefined();
    expect(r.reasons.map((x) => x.code)).toEqual(['FEED_STALE']);
  });

  it('a split across suppliers gives one shipment each', () => {
    const r = skuAvailability(query([offer('a', { stock: 2 }), offer('b', { stock: 2 })], [supplier('a'), supplier('b')], { quantity: 3 }));
    expect(r.route?.shipments.map((s) => [s.supplierId, s.quantity])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
  });

  it('rejects a non-positive quantity', () => {
    expect(() => skuAvailability(query([], [], { quantity: 0 }))).toThrow(RangeError);
  });
});

describe('cart (batch)', () => {
  const suppliers = [supplier('a'), supplier('b', { processingDays: 3 })];
  const offers = [offer('a', { stock: 5 }, 'X'), offer('a', { stock: 1 }, 'Y'), offer('b', { stock: 5 }, 'Y'), offer('b', { stock: 5 }, 'Z')];

  it('availability per SKU with the cart total, and the whole cart routed together', () => {
    const r = cartAvailability({
      lines: [
        { sku: 'X', quantity: 1 },
        { sku: 'Y', quantity: 1 },
        { sku: 'X', quantity: 2 },
      ],
      destination: { country: 'US' },
      offers,
      suppliers,
      now: NOW,
    });
    expect(r.items.map((i) => [i.sku, i.requestedQuantity, i.sellableQuantity])).toEqual([
      ['X', 3, 5],
      ['Y', 1, 6],
    ]);
    expect(r.allAvailable).toBe(true);
    // One parcel from a (it has X and Y) rather than two.
    expect(r.route?.shipments.map((s) => [s.supplierId, s.quantity])).toEqual([['a', 4]]);
    expect(r.route?.deliveryWindow).toEqual({ earliest: '2026-11-30', latest: '2026-12-03' });
  });

  it('a split cart is complete when the last shipment arrives', () => {
    const r = cartAvailability({ lines: [{ sku: 'X', quantity: 1 }, { sku: 'Z', quantity: 1 }], destination: { country: 'US' }, offers, suppliers, now: NOW });
    expect(r.route?.shipments.map((s) => s.supplierId)).toEqual(['a', 'b']);
    expect(r.route?.deliveryWindow).toEqual({ earliest: '2026-12-02', latest: '2026-12-07' });
  });

  it('a cart with something unavailable has no route and says which SKU', () => {
    const r = cartAvailability({ lines: [{ sku: 'X', quantity: 9 }, { sku: 'Y', quantity: 1 }], destination: { country: 'US' }, offers, suppliers, now: NOW });
    expect(r.allAvailable).toBe(false);
    expect(r.route).toBeUndefined();
    expect(r.items.find((i) => i.sku === 'X')?.reasons.map((x) => x.code)).toEqual(['INSUFFICIENT_STOCK']);
  });
});

describe('properties', () => {
  const supplierArb = (id: string): fc.Arbitrary<Supplier> =>
    fc
      .record({
        status: fc.constantFrom<Supplier['status']>('ACTIVE', 'ACTIVE', 'STALE', 'SUSPENDED'),
        feedAge: fc.integer({ min: 0, max: 48 }),
        shipsToUs: fc.boolean(),
      })
      .map((r) =>
        supplier(id, {
          status: r.status,
          lastFeedAt: hoursAgo(r.feedAge),
          shippingZones: [{ zoneId: 'z', countries: r.shipsToUs ? ['US'] : ['FR'], methods: [{ code: 'M', name: 'M', transitDaysMin: 1, transitDaysMax: 3, costMinor: 100 }] }],
        }),
      );
  const world = fc.integer({ min: 0, max: 6 }).chain((n) => {
    const ids = Array.from({ length: n }, (_, i) => `s${i}`);
    return fc.record({
      suppliers: fc.tuple(...ids.map(supplierArb)),
      offers: fc.tuple(
        ...ids.map((id) =>
          fc
            .record({ stock: fc.integer({ min: 0, max: 50 }), reserved: fc.integer({ min: 0, max: 50 }), discontinued: fc.boolean(), feedAge: fc.integer({ min: 0, max: 48 }) })
            .map((r) => offer(id, { stock: r.stock, reserved: r.reserved, discontinued: r.discontinued, lastFeedAt: hoursAgo(r.feedAge) })),
        ),
      ),
      quantity: fc.integer({ min: 1, max: 60 }),
      deductShortfall: fc.boolean(),
    });
  });

  function fresh(s: Supplier, o: SupplierOffer): boolean {
    const feed = Math.max(Date.parse(s.lastFeedAt ?? ''), Date.parse(o.lastFeedAt));
    return s.status === 'ACTIVE' && Date.parse(NOW) - feed <= s.feedFreshnessSlaHours * 3_600_000 && !o.discontinued && s.shippingZones.some((z) => z.countries.includes('US'));
  }

  it('never negative, never above the counted suppliers stock minus reserved, stale suppliers never count', () => {
    fc.assert(
      fc.property(world, (w) => {
        const config = { ...DEFAULT_AVAILABILITY_CONFIG, deductShortfall: w.deductShortfall };
        const r = skuAvailability(query([...w.offers], [...w.suppliers], { quantity: w.quantity }), config);
        const counted = w.offers.filter((o) => fresh(w.suppliers.find((s) => s.supplierId === o.supplierId) as Supplier, o));
        const sumClamped = counted.reduce((s, o) => s + Math.max(0, o.stock - o.reserved), 0);
        const sumNet = counted.reduce((s, o) => s + o.stock - o.reserved, 0);
        expect(r.sellableQuantity).toBeGreaterThanOrEqual(0);
        expect(r.sellableQuantity).toBeLessThanOrEqual(sumClamped);
        if (w.deductShortfall) expect(r.sellableQuantity).toBe(Math.max(0, sumNet));
        else expect(r.sellableQuantity).toBe(sumClamped);
        expect(r.suppliers.filter((s) => s.counted).map((s) => s.supplierId)).toEqual(counted.map((o) => o.supplierId));
        // The estimate never promises more than is sellable, and covers what was asked when possible.
        expect(r.route?.quantity ?? 0).toBeLessThanOrEqual(r.sellableQuantity);
        if (r.sellableQuantity > 0) expect(r.route?.quantity).toBe(Math.min(w.quantity, r.sellableQuantity));
        if (r.route !== undefined) {
          expect(r.route.shipments.reduce((s, x) => s + x.quantity, 0)).toBe(r.route.quantity);
          expect(r.route.deliveryWindow.latest >= r.route.deliveryWindow.earliest).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('reserving more or losing stock never raises the sellable quantity', () => {
    fc.assert(
      fc.property(world, fc.nat(), fc.integer({ min: 0, max: 10 }), fc.boolean(), (w, pick, delta, moreReserved) => {
        if (w.offers.length === 0) return;
        const idx = pick % w.offers.length;
        const changed = w.offers.map((o, i) =>
          i !== idx ? o : moreReserved ? { ...o, reserved: o.reserved + delta } : { ...o, stock: Math.max(0, o.stock - delta) },
        );
        const config = { ...DEFAULT_AVAILABILITY_CONFIG, deductShortfall: w.deductShortfall };
        const before = skuAvailability(query([...w.offers], [...w.suppliers]), config).sellableQuantity;
        const after = skuAvailability(query(changed, [...w.suppliers]), config).sellableQuantity;
        expect(after).toBeLessThanOrEqual(before);
      }),
      { numRuns: 300 },
    );
  });
});

describe('stale feeds and the product gate', () => {
  it.each<[string, Partial<Supplier>, Partial<Supplier>, number, string[]]>([
    ['both fresh', {}, {}, 14, []],
    ['a STALE, b fresh: b still sells', { status: 'STALE' }, {}, 4, []],
    ['a feed past its SLA, b fresh: b still sells', { lastFeedAt: hoursAgo(25) }, {}, 4, []],
    ['both STALE: nothing, with the reasons', { status: 'STALE' }, { status: 'STALE' }, 0, ['SUPPLIER_NOT_ACTIVE']],
    ['both past the SLA', { lastFeedAt: hoursAgo(30) }, { lastFeedAt: hoursAgo(30) }, 0, ['FEED_STALE']],
  ])('%s → sellable %i', (_name, a, b, sellable, reasonCodes) => {
    const r = skuAvailability(
      query([offer('a', { stock: 10, lastFeedAt: hoursAgo(30) }), offer('b', { stock: 4, lastFeedAt: hoursAgo(30) })], [supplier('a', a), supplier('b', b)]),
    );
    expect(r.sellableQuantity).toBe(sellable);
    expect([...new Set(r.reasons.map((x) => x.code))]).toEqual(reasonCodes);
    if (sellable === 4) expect(r.route?.supplierId).toBe('b');
  });

  it.each<[string, { active: boolean; retailPriceMinor: number; currency: string } | null, number, string[]]>([
    ['unknown SKU', null, 0, ['UNKNOWN_SKU']],
    ['inactive product', { active: false, retailPriceMinor: 2_000, currency: 'USD' }, 0, ['INACTIVE_SKU']],
    ['active product', { active: true, retailPriceMinor: 2_000, currency: 'USD' }, 10, []],
  ])('%s → sellable %i', (_name, product, sellable, codes) => {
    const r = skuAvailability(query([offer('a', { stock: 10 })], [supplier('a')], { product }));
    expect(r.sellableQuantity).toBe(sellable);
    expect(r.reasons.map((x) => x.code)).toEqual(codes);
    if (sellable === 0) expect(r.route).toBeUndefined();
  });

  it('without a unit price, MAP is checked against the catalog retail price (same currency only)', () => {
    const offers = [offer('a', { stock: 9, mapMinor: 3_000 }), offer('b', { stock: 4 })];
    const suppliers = [supplier('a'), supplier('b')];
    expect(skuAvailability(query(offers, suppliers, { product: { active: true, retailPriceMinor: 2_500, currency: 'USD' }, currency: 'USD' })).sellableQuantity).toBe(4);
    expect(skuAvailability(query(offers, suppliers, { product: { active: true, retailPriceMinor: 3_500, currency: 'USD' }, currency: 'USD' })).sellableQuantity).toBe(13);
    // An explicit price wins over the catalog price.
    expect(skuAvailability(query(offers, suppliers, { product: { active: true, retailPriceMinor: 3_500, currency: 'USD' }, unitPriceMinor: 2_000 })).sellableQuantity).toBe(4);
    // A catalog price in another currency is not comparable: MAP is not checked.
    expect(skuAvailability(query(offers, suppliers, { product: { active: true, retailPriceMinor: 10, currency: 'EUR' }, currency: 'USD' })).sellableQuantity).toBe(13);
  });

  it('a cart with an unknown SKU is not available and has no cart route', () => {
    const r = cartAvailability({
      lines: [{ sku: 'X', quantity: 1 }, { sku: 'NOPE', quantity: 1 }],
      destination: { country: 'US' },
      offers: [offer('a', { stock: 5 })],
      suppliers: [supplier('a')],
      now: NOW,
      products: new Map([['X', { active: true, retailPriceMinor: 2_000, currency: 'USD' }]]),
    });
    expect(r.items.map((i) => [i.sku, i.sellableQuantity, i.reasons.map((x) => x.code)])).toEqual([
      ['X', 5, []],
      ['NOPE', 0, ['UNKNOWN_SKU']],
    ]);
    expect(r.allAvailable).toBe(false);
    expect(r.route).toBeUndefined();
  });

  it('property: stale suppliers never add to the sellable quantity; a fresh one keeps selling what it has', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ stock: fc.integer({ min: 0, max: 40 }), reserved: fc.integer({ min: 0, max: 40 }), stale: fc.boolean(), markedStale: fc.boolean() }), { minLength: 1, maxLength: 6 }),
        (rows) => {
          const suppliers = rows.map((r, i) => supplier(`s${i}`, { status: r.markedStale ? 'STALE' : 'ACTIVE', lastFeedAt: hoursAgo(r.stale ? 30 : 1) }));
          const offers = rows.map((r, i) => offer(`s${i}`, { stock: r.stock, reserved: r.reserved, lastFeedAt: hoursAgo(r.stale ? 30 : 1) }));
          const result = skuAvailability(query(offers, suppliers));
          const fresh = rows.filter((r) => !r.stale && !r.markedStale);
          const freshNet = fresh.reduce((s, r) => s + r.stock - r.reserved, 0);
          expect(result.sellableQuantity).toBe(Math.max(0, freshNet));
          expect(result.sellableQuantity).toBeGreaterThanOrEqual(0);
          expect(result.sellableQuantity).toBeLessThanOrEqual(fresh.reduce((s, r) => s + Math.max(0, r.stock - r.reserved), 0));
          // Making every fresh supplier stale takes everything off sale.
          const allStale = skuAvailability(query(offers, suppliers.map((s) => ({ ...s, status: 'STALE' as const }))));
          expect(allStale.sellableQuantity).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('destination as customers write it (availability schema)', () => {
  it.each([
    [{ country: 'uk', postcode: 'sw1a1aa' }, { country: 'GB', postcode: 'SW1A 1AA' }],
    [{ country: 'JP', postcode: '1000001' }, { country: 'JP', postcode: '100-0001' }],
    [{ country: 'PL', postcode: '00950' }, { country: 'PL', postcode: '00-950' }],
    [{ country: 'LT', postcode: 'LT-01103' }, { country: 'LT', postcode: '01103' }],
    [{ country: 'IE' }, { country: 'IE' }],
  ])('%o is read as %o', (input, expected) => {
    expect(AvailabilityDestination.parse(input)).toEqual(expected);
  });

  it('a wrong postcode names the expected format, never the value', () => {
    const result = AvailabilityDestination.safeParse({ country: 'DE', postcode: '1234' });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([expect.objectContaining({ path: ['postcode'], message: 'is not a valid postcode for DE (expected NNNNN)' })]);
  });
});
