import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUTING_CONFIG, parseRuleOrder, routingConfig } from '../../../functions/core/workflow/domain/routing-rules';
import { checkEligibility, isFeedFresh, shippingFor } from '../../../functions/core/workflow/domain/eligibility';
import { reroute, routeOrder } from '../../../functions/core/workflow/domain/routing';
import type { Allocation, RoutingInput, RoutingLine, RoutingRule } from '../../../functions/core/workflow/domain/routing-rules';
import type { ShippingZone, Supplier } from '../../../functions/core/suppliers/domain/supplier';
import type { SupplierOffer } from '../../../functions/core/inventory/domain/catalog';

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

function offer(supplierId: string, sku: string, patch: Partial<SupplierOffer> = {}): SupplierOffer {
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

function line(lineNo: number, sku: string, quantity = 1, unitPriceMinor = 2_500): RoutingLine {
  return { lineNo, sku, quantity, unitPriceMinor };
}

function input(lines: RoutingLine[], offers: SupplierOffer[], suppliers: Supplier[], patch: Partial<RoutingInput> = {}): RoutingInput {
  return { lines, destination: { country: 'US', postcode: '94105' }, offers, suppliers, now: NOW, ...patch };
}

function assignment(a: Allocation): Record<number, string> {
  const out: Record<number, string> = {};
  for (const f of a.fulfillments) for (const l of f.lines) out[l.lineNo] = out[l.lineNo] === undefined ? f.supplierId : `${out[l.lineNo]}+${f.supplierId}`;
  return out;
}

describe('eligibility', () => {
  const A = supplier('a');
  it.each<[string, Partial<RoutingInput>, SupplierOffer[], Supplier[], RoutingLine, string[]]>([
    ['eligible', {}, [offer('a', 'X')], [A], line(1, 'X'), []],
    ['no offer', {}, [offer('a', 'Y')], [A], line(1, 'X'), ['NO_OFFER']],
    ['supplier unknown', {}, [offer('zz', 'X')], [A], line(1, 'X'), ['SUPPLIER_UNKNOWN']],
    ['supplier STALE', {}, [offer('a', 'X')], [supplier('a', { status: 'STALE' })], line(1, 'X'), ['SUPPLIER_NOT_ACTIVE']],
    ['supplier SUSPENDED', {}, [offer('a', 'X')], [supplier('a', { status: 'SUSPENDED' })], line(1, 'X'), ['SUPPLIER_NOT_ACTIVE']],
    ['feed older than the SLA', {}, [offer('a', 'X', { lastFeedAt: hoursAgo(30) })], [supplier('a', { lastFeedAt: hoursAgo(25) })], line(1, 'X'), ['FEED_STALE']],
    ['row updated recently by message though the last file is old', {}, [offer('a', 'X', { lastFeedAt: hoursAgo(2) })], [supplier('a', { lastFeedAt: hoursAgo(50) })], line(1, 'X'), []],
    ['feed exactly at the SLA', {}, [offer('a', 'X', { lastFeedAt: hoursAgo(24) })], [supplier('a', { lastFeedAt: hoursAgo(24) })], line(1, 'X'), []],
    ['never fed', {}, [offer('a', 'X', { lastFeedAt: 'never' })], [supplier('a', { lastFeedAt: undefined })], line(1, 'X'), ['FEED_STALE']],
    ['discontinued', {}, [offer('a', 'X', { discontinued: true })], [A], line(1, 'X'), ['DISCONTINUED']],
    ['does not ship to the country', { destination: { country: 'FR' } }, [offer('a', 'X')], [A], line(1, 'X'), ['NO_SHIPPING_ZONE']],
    ['zone without methods', {}, [offer('a', 'X')], [supplier('a', { shippingZones: [{ zoneId: 'us', countries: ['US'], methods: [] }] })], line(1, 'X'), ['NO_SHIPPING_METHOD']],
    ['price below MAP', {}, [offer('a', 'X', { mapMinor: 2_600 })], [A], line(1, 'X', 1, 2_500), ['MAP_VIOLATION']],
    ['price equal to MAP', {}, [offer('a', 'X', { mapMinor: 2_500 })], [A], line(1, 'X', 1, 2_500), []],
    ['offer in another currency', { currency: 'EUR' }, [offer('a', 'X')], [A], line(1, 'X'), ['CURRENCY_MISMATCH']],
    ['excluded after a rejection', { exclusions: [{ supplierId: 'a', lineNo: 1 }] }, [offer('a', 'X')], [A], line(1, 'X'), ['EXCLUDED']],
    ['exclusion of another line does not apply', { exclusions: [{ supplierId: 'a', lineNo: 2 }] }, [offer('a', 'X')], [A], line(1, 'X'), []],
    ['not enough stock after reservations', {}, [offer('a', 'X', { stock: 5, reserved: 3 })], [A], line(1, 'X', 3), ['INSUFFICIENT_STOCK']],
    ['reserved above stock', {}, [offer('a', 'X', { stock: 2, reserved: 5 })], [A], line(1, 'X', 1), ['INSUFFICIENT_STOCK']],
    ['this order already holds the reservation', { heldReservations: [{ supplierId: 'a', sku: 'X', quantity: 3 }] }, [offer('a', 'X', { stock: 5, reserved: 5 })], [A], line(1, 'X', 3), []],
    ['zero quantity', {}, [offer('a', 'X')], [A], line(1, 'X', 0), ['INVALID_QUANTITY']],
    ['several problems at once', { destination: { country: 'FR' } }, [offer('a', 'X', { discontinued: true, mapMinor: 9_999 })], [supplier('a', { status: 'SUSPENDED' })], line(1, 'X'), ['SUPPLIER_NOT_ACTIVE', 'DISCONTINUED', 'NO_SHIPPING_ZONE', 'MAP_VIOLATION']],
  ])('%s → %j', (_name, patch, offers, suppliers, l, codes) => {
    const [result] = checkEligibility(input([l], offers, suppliers, patch));
    expect(result?.reasons.map((r) => r.code) ?? []).toEqual(codes);
    expect(result?.eligibleSupplierIds).toEqual(codes.length === 0 ? ['a'] : []);
  });

  it('reports every supplier option with its own reasons', () => {
    const [result] = checkEligibility(
      input([line(1, 'X', 2)], [offer('a', 'X'), offer('b', 'X', { stock: 1 }), offer('c', 'X', { discontinued: true })], [supplier('a'), supplier('b'), supplier('c')]),
    );
    expect(result?.options.map((o) => [o.supplierId, o.eligible, o.qualified, o.reasons.map((r) => r.code)])).toEqual([
      ['a', true, true, []],
      ['b', false, true, ['INSUFFICIENT_STOCK']],
      ['c', false, false, ['DISCONTINUED']],
    ]);
  });

  it('rejects duplicate line numbers and a bad clock', () => {
    expect(() => checkEligibility(input([line(1, 'X'), line(1, 'Y')], [], []))).toThrow(/Duplicate lineNo 1/);
    expect(() => checkEligibility(input([line(1, 'X')], [], [], { now: 'soon' }))).toThrow(RangeError);
  });

  it('isFeedFresh compares the last feed with the SLA', () => {
    expect(isFeedFresh(supplier('a', { lastFeedAt: hoursAgo(23) }), NOW)).toBe(true);
    expect(isFeedFresh(supplier('a', { lastFeedAt: hoursAgo(25) }), NOW)).toBe(false);
    expect(isFeedFresh(supplier('a', { lastFeedAt: undefined }), NOW)).toBe(false);
  });

  it('shippingFor picks the cheapest (or fastest) method of the zones serving the country', () => {
    const zones: ShippingZone[] = [
      { zoneId: 'na', countries: ['US', 'CA'], methods: [{ code: 'EXP', name: 'Express', transitDaysMin: 1, transitDaysMax: 2, costMinor: 1_500 }] },
      { zoneId: 'us', countries: ['us'], methods: [{ code: 'GRD', name: 'Ground', transitDaysMin: 3, transitDaysMax: 6, costMinor: 400 }] },
    ];
    const s = supplier('a', { shippingZones: zones });
    expect(shippingFor(s, 'US')).toMatchObject({ zoneId: 'us', method: { code: 'GRD' } });
    expect(shippingFor(s, 'US', 'FASTEST')).toMatchObject({ zoneId: 'na', method: { code: 'EXP' } });
    expect(shippingFor(s, 'CA')).toMatchObject({ zoneId: 'na', method: { code: 'EXP' } });
    expect(shippingFor(s, 'FR')).toBeUndefined();
  });
});

describe('allocation', () => {
  // a: carries X and Y, expensive; b: X only, cheap; c: Y only, cheap.
  const suppliers = [supplier('a', { priority: 2 }), supplier('b', { priority: 1 }), supplier('c', { priority: 3 })];
  const offers = [
    offer('a', 'X', { wholesaleCostMinor: 1_500 }),
    offer('a', 'Y', { wholesaleCostMinor: 1_500 }),
    offer('b', 'X', { wholesaleCostMinor: 1_000 }),
    offer('c', 'Y', { wholesaleCostMinor: 1_000 }),
  ];
  const lines = [line(1, 'X'), line(2, 'Y')];

  it.each<[string, RoutingRule[], Record<number, string>, number]>([
    ['single shipment first (default)', ['SINGLE_SHIPMENT', 'LOWEST_LANDED_COST', 'SUPPLIER_PRIORITY'], { 1: 'a', 2: 'a' }, 3_500],
    ['lowest landed cost first: two cheap parcels beat one dear one', ['LOWEST_LANDED_COST', 'SINGLE_SHIPMENT', 'SUPPLIER_PRIORITY'], { 1: 'b', 2: 'c' }, 3_000],
    ['priority first', ['SUPPLIER_PRIORITY', 'SINGLE_SHIPMENT', 'LOWEST_LANDED_COST'], { 1: 'b', 2: 'a' }, 3_500],
  ])('%s', (_name, ruleOrder, expected, landed) => {
    const a = routeOrder(input(lines, offers, suppliers), routingConfig({ ruleOrder }));
    expect(assignment(a)).toEqual(expected);
    expect(a.landedCostMinor).toBe(landed);
    expect(a.unservable).toEqual([]);
    expect(a.search).toBe('exact');
  });

  it('splits across suppliers when that is cheaper and cost comes first', () => {
    // Shipping is cheap, the wholesale gap is big: b + c (1000+1000+2×100) beats a (1500+1500+100).
    const cheapShip = suppliers.map((s) => ({
      ...s,
      shippingZones: [{ zoneId: 'us', countries: ['US'], methods: [{ code: 'G', name: 'G', transitDaysMin: 1, transitDaysMax: 3, costMinor: 100 }] }],
    }));
    const costFirst = routingConfig({ ruleOrder: ['LOWEST_LANDED_COST', 'SINGLE_SHIPMENT'] });
    expect(assignment(routeOrder(input(lines, offers, cheapShip), costFirst))).toEqual({ 1: 'b', 2: 'c' });
    // Single shipment first still prefers one parcel.
    expect(assignment(routeOrder(input(lines, offers, cheapShip)))).toEqual({ 1: 'a', 2: 'a' });
  });

  it('uses two suppliers when no single one has everything, choosing the cheapest pair', () => {
    const o = [offer('b', 'X'), offer('c', 'Y'), offer('a', 'Y', { wholesaleCostMinor: 900 })];
    const a = routeOrder(input(lines, o, suppliers));
    expect(assignment(a)).toEqual({ 1: 'b', 2: 'a' });
    expect(a.fulfillments).toHaveLength(2);
    expect(a.landedCostMinor).toBe(1_000 + 900 + 500 + 500);
  });

  it('breaks full ties by supplier priority, then by supplier id', () => {
    const same = [offer('a', 'X'), offer('b', 'X')];
    expect(assignment(routeOrder(input([line(1, 'X')], same, [supplier('a', { priority: 5 }), supplier('b', { priority: 1 })])))).toEqual({ 1: 'b' });
    expect(assignment(routeOrder(input([line(1, 'X')], same, [supplier('a', { priority: 1 }), supplier('b', { priority: 1 })])))).toEqual({ 1: 'a' });
  });

  it('counts shipping once per supplier shipment with the zone method chosen by config', () => {
    const zones: ShippingZone[] = [
      {
        zoneId: 'us',
        countries: ['US'],
        methods: [
          { code: 'GROUND', name: 'Ground', transitDaysMin: 3, transitDaysMax: 6, costMinor: 400 },
          { code: 'EXPRESS', name: 'Express', transitDaysMin: 1, transitDaysMax: 2, costMinor: 1_900 },
        ],
      },
    ];
    const s = [supplier('a', { shippingZones: zones })];
    const o = [offer('a', 'X'), offer('a', 'Y')];
    const cheapest = routeOrder(input(lines, o, s));
    expect(cheapest.fulfillments[0]).toMatchObject({ shippingMethod: { code: 'GROUND' }, wholesaleCostMinor: 2_000, shippingCostMinor: 400, landedCostMinor: 2_400 });
    const fastest = routeOrder(input(lines, o, s), routingConfig({ shippingMethod: 'FASTEST' }));
    expect(fastest.fulfillments[0]).toMatchObject({ shippingMethod: { code: 'EXPRESS' }, landedCostMinor: 3_900 });
  });

  it('promises ship-by and deliver-by from processing days and transit days', () => {
    const a = routeOrder(input([line(1, 'X')], [offer('a', 'X')], [supplier('a', { processingDays: 2 })], { orderedAt: '2026-11-25T10:00:00.000Z' }));
    expect(a.fulfillments[0]?.promise).toMatchObject({ shipBy: '2026-11-27', earliestDelivery: '2026-12-01', deliverBy: '2026-12-04' });
    expect(a.deliveryWindow).toEqual({ earliest: '2026-12-01', latest: '2026-12-04' });
  });

  it('carries supplier SKUs, costs and prices on each planned line', () => {
    const a = routeOrder(input([line(1, 'X', 2, 3_000)], [offer('a', 'X', { wholesaleCostMinor: 1_200 })], [supplier('a')]));
    expect(a.fulfillments[0]?.lines).toEqual([{ lineNo: 1, sku: 'X', supplierSku: 'a-X', quantity: 2, unitCostMinor: 1_200, unitPriceMinor: 3_000 }]);
  });

  it('splits one line across suppliers when nobody has the whole quantity', () => {
    const o = [offer('a', 'X', { stock: 3 }), offer('b', 'X', { stock: 4, wholesaleCostMinor: 900 })];
    const a = routeOrder(input([line(1, 'X', 6)], o, [supplier('a'), supplier('b')]));
    expect(a.fulfillments.map((f) => [f.supplierId, f.lines[0]?.quantity])).toEqual([
      ['a', 2],
      ['b', 4],
    ]);
    const noSplit = routeOrder(input([line(1, 'X', 6)], o, [supplier('a'), supplier('b')]), routingConfig({ splitLines: false }));
    expect(noSplit.fulfillments).toEqual([]);
    expect(noSplit.unservable.map((u) => [u.lineNo, u.reasons.map((r) => r.code)])).toEqual([[1, ['INSUFFICIENT_STOCK']]]);
  });

  it('two lines of the same SKU share the supplier stock', () => {
    const a = routeOrder(input([line(1, 'X', 3), line(2, 'X', 3)], [offer('a', 'X', { stock: 4 }), offer('b', 'X', { stock: 4 })], [supplier('a'), supplier('b')]));
    const perSupplier = Object.fromEntries(a.fulfillments.map((f) => [f.supplierId, f.lines.reduce((s, l) => s + l.quantity, 0)]));
    expect(perSupplier.a ?? 0).toBeLessThanOrEqual(4);
    expect(perSupplier.b ?? 0).toBeLessThanOrEqual(4);
    expect((perSupplier.a ?? 0) + (perSupplier.b ?? 0)).toBe(6);
  });

  it('serves what it can and reports the rest as unservable with the refund amount', () => {
    const a = routeOrder(input([line(1, 'X', 2, 1_999), line(2, 'Z', 1, 500), line(3, 'Y', 1)], [offer('a', 'X', { stock: 1 }), offer('a', 'Y')], [supplier('a')]));
    expect(assignment(a)).toEqual({ 3: 'a' });
    expect(a.unservable).toEqual([
      { lineNo: 1, sku: 'X', quantity: 2, unitPriceMinor: 1_999, amountMinor: 3_998, reasons: [{ code: 'INSUFFICIENT_STOCK', detail: 'a: 1 available, 2 ordered' }] },
      { lineNo: 2, sku: 'Z', quantity: 1, unitPriceMinor: 500, amountMinor: 500, reasons: [{ code: 'NO_OFFER', detail: 'no supplier offers SKU Z' }] },
    ]);
  });

  it('an order nobody can serve has no fulfillments', () => {
    const a = routeOrder(input([line(1, 'X')], [offer('a', 'X')], [supplier('a', { status: 'STALE' })]));
    expect(a).toMatchObject({ fulfillments: [], landedCostMinor: 0, search: 'none' });
    expect(a.unservable[0]?.reasons.map((r) => r.code)).toEqual(['SUPPLIER_NOT_ACTIVE']);
  });

  it('the heuristic search (many suppliers) still finds the single shipment', () => {
    const many = Array.from({ length: 12 }, (_, i) => supplier(`s${String(i).padStart(2, '0')}`));
    const o = many.flatMap((s, i) => [offer(s.supplierId, 'X', { wholesaleCostMinor: 500 + i }), offer(s.supplierId, `Y${i}`)]);
    o.push(offer('s07', 'Y1'));
    const a = routeOrder(input([line(1, 'X'), line(2, 'Y1')], o, many), routingConfig({ exactSearchMaxSuppliers: 4 }));
    expect(a.search).toBe('heuristic');
    expect(assignment(a)).toEqual({ 1: 's01', 2: 's01' });
  });

  it('100 lines × 5 suppliers routes quickly (exact), and 100 lines with 500 distinct suppliers too (heuristic)', () => {
    const five = ['a', 'b', 'c', 'd', 'e'].map((id, i) => supplier(id, { priority: i }));
    const lines100 = Array.from({ length: 100 }, (_, i) => line(i + 1, `SKU${i}`, 1 + (i % 3)));
    const offers5 = lines100.flatMap((l, i) => five.filter((_, j) => (i + j) % 4 !== 0).map((s, j) => offer(s.supplierId, l.sku, { wholesaleCostMinor: 800 + ((i * 7 + j * 13) % 300) })));
    let started = performance.now();
    const a = routeOrder(input(lines100, offers5, five));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(a.search).toBe('exact');
    expect(a.unservable).toEqual([]);

    const many = Array.from({ length: 500 }, (_, i) => supplier(`s${i}`));
    const offersMany = lines100.flatMap((l, i) => [0, 1, 2, 3, 4].map((j) => offer(`s${i * 5 + j}`, l.sku, { wholesaleCostMinor: 900 + j })));
    started = performance.now();
    const b = routeOrder(input(lines100, offersMany, many));
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(b.search).toBe('heuristic');
    expect(b.fulfillments).toHaveLength(100);
    expect(b.unservable).toEqual([]);
  });

  it.each([
    ['SINGLE_SHIPMENT, lowest_landed_cost', ['SINGLE_SHIPMENT', 'LOWEST_LANDED_COST']],
    [' SUPPLIER_PRIORITY ', ['SUPPLIER_PRIORITY']],
    ['', []],
  ])('parseRuleOrder(%j)', (text, rules) => {
    expect(parseRuleOrder(text)).toEqual(rules);
  });

  it.each([['CHEAPEST_FIRST'], ['SINGLE_SHIPMENT,SINGLE_SHIPMENT']])('parseRuleOrder rejects %j', (text) => {
    expect(() => parseRuleOrder(text)).toThrow(RangeError);
  });

  it('the default config is the documented rule order', () => {
    expect(DEFAULT_ROUTING_CONFIG.ruleOrder).toEqual(['SINGLE_SHIPMENT', 'LOWEST_LANDED_COST', 'SUPPLIER_PRIORITY']);
  });
});

describe('reroute', () => {
  const suppliers = [supplier('a', { priority: 1 }), supplier('b', { priority: 2 }), supplier('c', { priority: 3 })];
  const offers = [offer('a', 'X'), offer('a', 'Y'), offer('b', 'X', { wholesaleCostMinor: 1_100 }), offer('c', 'Y', { wholesaleCostMinor: 1_200 }), offer('c', 'Z')];
  const order = input([line(1, 'X', 1, 2_000), line(2, 'Y', 2, 3_000), line(3, 'Z', 1, 700)], offers, suppliers);

  it('re-routes only the rejected supplier lines and keeps the others', () => {
    const first = routeOrder(order);
    expect(assignment(first)).toEqual({ 1: 'a', 2: 'a', 3: 'c' });
    const r = reroute(order, first, [{ supplierId: 'a' }]);
    expect(r.kept.map((f) => f.supplierId)).toEqual(['c']);
    expect(assignment(r.allocation)).toEqual({ 1: 'b', 2: 'c' });
    expect(r.exclusions).toEqual([
      { supplierId: 'a', lineNo: 1 },
      { supplierId: 'a', lineNo: 2 },
    ]);
    expect(r.cancelled).toEqual([]);
    expect(r.refundAmountMinor).toBe(0);
  });

  it('exclusions accumulate; lines nobody is left to serve are cancelled with their amount', () => {
    const first = routeOrder(order);
    const second = reroute(order, first, [{ supplierId: 'a' }]);
    const third = reroute(order, { fulfillments: [...second.kept, ...second.allocation.fulfillments], exclusions: second.exclusions }, [{ supplierId: 'b' }, { supplierId: 'c' }]);
    expect(third.allocation.fulfillments).toEqual([]);
    expect(third.cancelled.map((c) => [c.lineNo, c.quantity, c.amountMinor, c.reasons.map((x) => x.code)])).toEqual([
      [1, 1, 2_000, ['EXCLUDED']],
      [2, 2, 6_000, ['EXCLUDED']],
      [3, 1, 700, ['EXCLUDED']],
    ]);
    expect(third.refundAmountMinor).toBe(8_700);
  });

  it('a rejection naming lines excludes the supplier for those lines only', () => {
    const first = routeOrder(order);
    const r = reroute(order, first, [{ supplierId: 'a', lineNos: [2] }]);
    expect(r.exclusions).toEqual([{ supplierId: 'a', lineNo: 2 }]);
    expect(assignment(r.allocation)).toEqual({ 1: 'a', 2: 'c' });
  });

  it('only the rejected part of a split line is re-routed', () => {
    const o = [offer('a', 'X', { stock: 3 }), offer('b', 'X', { stock: 3 }), offer('c', 'X', { stock: 5 })];
    const split = input([line(1, 'X', 5)], o, [supplier('a'), supplier('b'), supplier('c', { status: 'STALE' })]);
    const first = routeOrder(split);
    expect(first.fulfillments.map((f) => [f.supplierId, f.lines[0]?.quantity])).toEqual([
      ['a', 3],
      ['b', 2],
    ]);
    const recovered = { ...split, suppliers: [supplier('a'), supplier('b'), supplier('c')] };
    const r = reroute(recovered, first, [{ supplierId: 'b' }]);
    expect(r.allocation.fulfillments.map((f) => [f.supplierId, f.lines[0]?.quantity])).toEqual([['a', 2]]);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

const SKUS = ['P', 'Q', 'R', 'S'];
const supplierArb = (id: string): fc.Arbitrary<Supplier> =>
  fc
    .record({
      priority: fc.integer({ min: 0, max: 5 }),
      status: fc.constantFrom<Supplier['status']>('ACTIVE', 'ACTIVE', 'ACTIVE', 'STALE'),
      feedAge: fc.integer({ min: 0, max: 40 }),
      countries: fc.subarray(['US', 'CA', 'FR'], { minLength: 1 }),
      shipCost: fc.integer({ min: 0, max: 2_000 }),
      processingDays: fc.integer({ min: 0, max: 3 }),
    })
    .map((r) =>
      supplier(id, {
        priority: r.priority,
        status: r.status,
        lastFeedAt: hoursAgo(r.feedAge),
        processingDays: r.processingDays,
        shippingZones: [{ zoneId: 'z', countries: r.countries, methods: [{ code: 'M', name: 'M', transitDaysMin: 1, transitDaysMax: 4, costMinor: r.shipCost }] }],
      }),
    );
const offerArb = (supplierId: string, sku: string): fc.Arbitrary<SupplierOffer> =>
  fc
    .record({
      stock: fc.integer({ min: 0, max: 12 }),
      reserved: fc.integer({ min: 0, max: 8 }),
      cost: fc.integer({ min: 100, max: 3_000 }),
      map: fc.option(fc.integer({ min: 500, max: 4_000 }), { nil: undefined }),
      discontinued: fc.integer({ min: 0, max: 9 }).map((n) => n < 2),
      feedAge: fc.integer({ min: 0, max: 40 }),
    })
    .map((r) => offer(supplierId, sku, { stock: r.stock, reserved: r.reserved, wholesaleCostMinor: r.cost, mapMinor: r.map, discontinued: r.discontinued, lastFeedAt: hoursAgo(r.feedAge) }));

const scenario = fc
  .integer({ min: 1, max: 5 })
  .chain((n) => {
    const ids = Array.from({ length: n }, (_, i) => `sup${i}`);
    return fc.record({
      suppliers: fc.tuple(...ids.map(supplierArb)),
      offers: fc.tuple(...ids.flatMap((id) => SKUS.map((sku) => fc.option(offerArb(id, sku), { nil: undefined, freq: 3 })))),
      lines: fc.uniqueArray(
        fc.record({ sku: fc.constantFrom(...SKUS), quantity: fc.integer({ min: 1, max: 6 }), unitPriceMinor: fc.integer({ min: 500, max: 5_000 }) }),
        { minLength: 1, maxLength: 4, selector: (l) => l.sku },
      ),
      country: fc.constantFrom('US', 'CA', 'FR'),
      ruleOrder: fc.constantFrom<RoutingRule[]>(
        ['SINGLE_SHIPMENT', 'LOWEST_LANDED_COST', 'SUPPLIER_PRIORITY'],
        ['LOWEST_LANDED_COST', 'SINGLE_SHIPMENT', 'SUPPLIER_PRIORITY'],
        ['SUPPLIER_PRIORITY', 'LOWEST_LANDED_COST', 'SINGLE_SHIPMENT'],
      ),
    });
  })
  .map((s) => ({
    input: input(
      s.lines.map((l, i) => ({ lineNo: i + 1, ...l })),
      s.offers.filter((o): o is SupplierOffer => o !== undefined),
      [...s.suppliers],
      { destination: { country: s.country } },
    ),
    ruleOrder: s.ruleOrder,
  }));

function lexLess(x: readonly number[], y: readonly number[]): boolean {
  for (let k = 0; k < x.length; k += 1) if (x[k] !== y[k]) return (x[k] ?? 0) < (y[k] ?? 0);
  return false;
}

function qualifies(i: RoutingInput, supplierId: string, l: RoutingLine): boolean {
  const s = i.suppliers.find((x) => x.supplierId === supplierId);
  const o = i.offers.find((x) => x.supplierId === supplierId && x.sku === l.sku);
  if (s === undefined || o === undefined) return false;
  const feed = Math.max(Date.parse(s.lastFeedAt ?? ''), Date.parse(o.lastFeedAt)) || 0;
  return (
    s.status === 'ACTIVE' &&
    Date.parse(i.now) - feed <= s.feedFreshnessSlaHours * 3_600_000 &&
    !o.discontinued &&
    s.shippingZones.some((z) => z.countries.includes(i.destination.country) && z.methods.length > 0) &&
    (o.mapMinor === undefined || l.unitPriceMinor >= o.mapMinor)
  );
}

function available(i: RoutingInput, supplierId: string, sku: string): number {
  const o = i.offers.find((x) => x.supplierId === supplierId && x.sku === sku);
  return o === undefined ? 0 : Math.max(0, o.stock - o.reserved);
}

describe('properties', () => {
  it('every allocated part is served by a qualified supplier within its stock, MAP respected', () => {
    fc.assert(
      fc.property(scenario, ({ input: i, ruleOrder }) => {
        const a = routeOrder(i, routingConfig({ ruleOrder }));
        const used = new Map<string, number>();
        for (const f of a.fulfillments) {
          expect(f.lines.length).toBeGreaterThan(0);
          for (const pl of f.lines) {
            const l = i.lines.find((x) => x.lineNo === pl.lineNo) as RoutingLine;
            expect(qualifies(i, f.supplierId, l)).toBe(true);
            const o = i.offers.find((x) => x.supplierId === f.supplierId && x.sku === l.sku);
            expect(o?.mapMinor === undefined || pl.unitPriceMinor >= o.mapMinor).toBe(true);
            const key = `${f.supplierId}/${pl.sku}`;
            used.set(key, (used.get(key) ?? 0) + pl.quantity);
          }
          expect(f.landedCostMinor).toBe(f.wholesaleCostMinor + f.shippingCostMinor);
          expect(f.promise.deliverBy >= f.promise.shipBy).toBe(true);
        }
        for (const [key, q] of used) {
          const [sid, sku] = key.split('/') as [string, string];
          expect(q).toBeLessThanOrEqual(available(i, sid, sku));
        }
        expect(new Set(a.fulfillments.map((f) => f.supplierId)).size).toBe(a.fulfillments.length);
      }),
      { numRuns: 400 },
    );
  });

  it('each line is either fully allocated or reported unservable, never both', () => {
    fc.assert(
      fc.property(scenario, ({ input: i, ruleOrder }) => {
        const a = routeOrder(i, routingConfig({ ruleOrder }));
        for (const l of i.lines) {
          const allocated = a.fulfillments.flatMap((f) => f.lines).filter((x) => x.lineNo === l.lineNo).reduce((s, x) => s + x.quantity, 0);
          const unservable = a.unservable.some((u) => u.lineNo === l.lineNo);
          expect(unservable ? allocated === 0 : allocated === l.quantity).toBe(true);
          // Unservable really means: even all qualified suppliers together lack the stock.
          if (unservable) {
            const total = i.suppliers.filter((s) => qualifies(i, s.supplierId, l)).reduce((s, x) => s + available(i, x.supplierId, l.sku), 0);
            expect(total).toBeLessThan(l.quantity);
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('a single shipment is chosen whenever one supplier can serve the whole order (default rule order)', () => {
    fc.assert(
      fc.property(scenario, ({ input: i }) => {
        const a = routeOrder(i);
        const single = i.suppliers.some((s) => i.lines.every((l) => qualifies(i, s.supplierId, l) && available(i, s.supplierId, l.sku) >= l.quantity));
        if (single) {
          expect(a.unservable).toEqual([]);
          expect(a.fulfillments).toHaveLength(1);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('never worse than the best whole-line assignment (brute force) under the rule order', () => {
    fc.assert(
      fc.property(scenario, ({ input: i, ruleOrder }) => {
        const config = routingConfig({ ruleOrder });
        const a = routeOrder(i, config);
        if (a.unservable.length > 0) return;
        // Brute force over whole-line assignments (lines have distinct SKUs in this generator).
        const choices = i.lines.map((l) => i.suppliers.filter((s) => qualifies(i, s.supplierId, l) && available(i, s.supplierId, l.sku) >= l.quantity));
        if (choices.some((c) => c.length === 0)) return;
        const key = (count: number, landed: number, prio: number): number[] =>
          ruleOrder.map((r) => (r === 'SINGLE_SHIPMENT' ? count : r === 'LOWEST_LANDED_COST' ? landed : prio));
        let best: number[] | undefined;
        const walk = (idx: number, picked: Supplier[]): void => {
          if (idx === i.lines.length) {
            const used = new Set(picked.map((s) => s.supplierId));
            let landed = 0;
            let prio = 0;
            picked.forEach((s, k) => {
              const l = i.lines[k] as RoutingLine;
              landed += (i.offers.find((o) => o.supplierId === s.supplierId && o.sku === l.sku)?.wholesaleCostMinor ?? 0) * l.quantity;
              prio += s.priority;
            });
            for (const id of used) landed += i.suppliers.find((s) => s.supplierId === id)?.shippingZones[0]?.methods[0]?.costMinor ?? 0;
            const k = key(used.size, landed, prio);
            if (best === undefined || lexLess(k, best)) best = k;
            return;
          }
          for (const s of choices[idx] ?? []) walk(idx + 1, [...picked, s]);
        };
        walk(0, []);
        const prioOf = (id: string): number => i.suppliers.find((s) => s.supplierId === id)?.priority ?? 0;
        const ours = key(
          a.fulfillments.length,
          a.landedCostMinor,
          a.fulfillments.reduce((s, f) => s + f.lines.length * prioOf(f.supplierId), 0),
        );
        expect(best).toBeDefined();
        // ours ≤ best, lexicographically in the rule order
        expect(lexLess(best ?? [], ours)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('routing is deterministic and independent of the order of offers and suppliers', () => {
    fc.assert(
      fc.property(scenario, ({ input: i }) => {
        const a = routeOrder(i);
        const b = routeOrder({ ...i, offers: [...i.offers].reverse(), suppliers: [...i.suppliers].reverse() });
        expect(b.fulfillments).toEqual(a.fulfillments);
        expect(b.unservable).toEqual(a.unservable);
      }),
      { numRuns: 200 },
    );
  });

  it('rerouting never gives lines back to a supplier that rejected them', () => {
    fc.assert(
      fc.property(scenario, fc.nat(), ({ input: i }, pick) => {
        const first = routeOrder(i);
        const victim = first.fulfillments[pick % Math.max(1, first.fulfillments.length)];
        if (victim === undefined) return;
        const r = reroute(i, first, [{ supplierId: victim.supplierId }]);
        for (const f of r.allocation.fulfillments) {
          for (const l of f.lines) expect(victim.lines.some((v) => v.lineNo === l.lineNo) && f.supplierId === victim.supplierId).toBe(false);
        }
        const rerouted = victim.lines.reduce((s, l) => s + l.quantity, 0);
        const placed = r.allocation.fulfillments.flatMap((f) => f.lines).reduce((s, l) => s + l.quantity, 0);
        const cancelled = r.cancelled.reduce((s, c) => s + c.quantity, 0);
        expect(placed + cancelled).toBe(rerouted);
      }),
      { numRuns: 300 },
    );
  });
});
