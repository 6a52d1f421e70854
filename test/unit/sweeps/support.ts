/**
 * Builders for the sweep tests: the in-memory table behind aws-sdk-client-mock (workflow support),
 * sweep deps with a settable clock, collected metrics, and store items (orders, fulfillments,
 * reservations, counters, suppliers) written with the real item builders.
 */
import { vi } from 'vitest';
import type { FulfillmentStatus } from '../../../functions/core/workflow/domain/fulfillment-status';
import type { Reservation } from '../../../functions/core/inventory/domain/catalog';
import type { Supplier } from '../../../functions/core/suppliers/domain/supplier';
import type { WorkflowOrder } from '../../../functions/core/orders/domain/order';
import type { SweepDeps } from '../../../functions/core/sweeps/services/sweeps';
import { fulfillmentItem } from '../../../functions/core/workflow/store/fulfillments';
import { type FulfillmentRecord } from '../../../functions/core/workflow/domain/fulfillment-record';
import { keys } from '../../../functions/core/runtime/table/keys';
import { orderItem } from '../../../functions/core/orders/store/orders';
import { reservationItem } from '../../../functions/core/inventory/store/reservations';
import { sampleOrder } from '../fixtures/orders';
import { TABLE, type FakeTable } from '../workflow/support/fake-table';
import { ddbClient, silentLogger } from '../workflow/support/world';

export const T0 = '2026-11-25T10:00:00.000Z';
export const ms = (iso: string): number => Date.parse(iso);
export const plusMinutes = (iso: string, minutes: number): string => new Date(ms(iso) + minutes * 60_000).toISOString();

/** Order ids: `ord_` + 26 Crockford base32 characters. */
export function orderIdOf(n: number): string {
  return `ord_${String(n).padStart(26, '0')}`;
}
export function fulfillmentIdOf(orderId: string, seq = 1): string {
  return `ful_${orderId.slice(4)}_${String(seq).padStart(2, '0')}`;
}

export interface Metrics {
  readonly addMetric: ReturnType<typeof vi.fn<(name: string, unit: string, value: number) => unknown>>;
  /** Sum of the values added under `name`. */
  value(name: string): number;
  names(): string[];
}

export function metricsCollector(): Metrics {
  const addMetric = vi.fn<(name: string, unit: string, value: number) => unknown>();
  return {
    addMetric,
    value: (name) => addMetric.mock.calls.filter((c) => c[0] === name).reduce((s, c) => s + c[2], 0),
    names: () => addMetric.mock.calls.map((c) => c[0]),
  };
}

export interface Harness {
  readonly clock: { ms: number };
  readonly metrics: Metrics;
  readonly logger: ReturnType<typeof silentLogger>;
  deps(pageLimit?: number): SweepDeps;
}

export function harness(now: string = T0): Harness {
  const clock = { ms: ms(now) };
  const metrics = metricsCollector();
  const logger = silentLogger();
  return {
    clock,
    metrics,
    logger,
    deps: (pageLimit = 200) => ({ store: { ddb: ddbClient, tableName: TABLE }, now: () => new Date(clock.ms), logger, metrics, pageLimit }),
  };
}

export function order(orderId: string, overrides: Partial<WorkflowOrder> = {}): WorkflowOrder {
  return { ...sampleOrder({ orderId, createdAt: T0, updatedAt: T0 }), ...overrides };
}

export function putOrder(table: FakeTable, o: WorkflowOrder): void {
  table.seed(orderItem(o));
}

export function fulfillment(orderId: string, overrides: Partial<FulfillmentRecord> = {}): FulfillmentRecord {
  return {
    orderId,
    fulfillmentId: fulfillmentIdOf(orderId),
    supplierId: 'nordic-home',
    channelId: 'demo-web',
    status: 'DISPATCHED' as FulfillmentStatus,
    lines: [{ lineNo: 1, quantity: 2 }],
    dispatchedAt: T0,
    shipments: [],
    exceptions: [],
    appliedEventIds: [],
    purchaseLines: [{ lineNo: 1, sku: 'TSHIRT-BLK-M', supplierSku: 'NH-TS-0101-M', quantity: 2, unitCostMinor: 980, unitPriceMinor: 1999 }],
    zoneId: 'EU',
    shippingMethod: { code: 'STANDARD', name: 'DHL Paket', transitDaysMin: 2, transitDaysMax: 4, costMinor: 490 },
    promise: {
      startDate: '2026-11-25',
      shipBy: '2026-11-26',
      earliestDelivery: '2026-11-30',
      deliverBy: '2026-12-02',
      shipByDeadline: '2026-11-26T23:59:59.999Z',
      deliverByDeadline: '2026-12-02T23:59:59.999Z',
    },
    wholesaleCostMinor: 1960,
    shippingCostMinor: 490,
    landedCostMinor: 2450,
    acceptanceSlaMinutes: 60,
    createdAt: T0,
    updatedAt: T0,
    version: 1,
    ...overrides,
  };
}

export function putFulfillment(table: FakeTable, f: FulfillmentRecord): void {
  table.seed(fulfillmentItem(f));
}

export function reservation(orderId: string, overrides: Partial<Reservation> = {}): Reservation {
  return {
    orderId,
    fulfillmentId: fulfillmentIdOf(orderId),
    sku: 'TSHIRT-BLK-M',
    supplierId: 'nordic-home',
    quantity: 2,
    status: 'HELD',
    createdAt: T0,
    holdExpiresAt: plusMinutes(T0, 60),
    ...overrides,
  };
}

export function putReservation(table: FakeTable, r: Reservation): void {
  table.seed(reservationItem(r));
}

export function putCounter(table: FakeTable, sku: string, supplierId: string, reserved: number): void {
  table.seed({ sku, supplierId, reserved, ...keys.offerReservations(sku, supplierId), entity: 'OfferReservations' });
}

export function counter(table: FakeTable, sku: string, supplierId: string): number {
  return Number(table.get(`SKU#${sku}`, `RESERVED#${supplierId}`)?.reserved ?? 0);
}

export function supplier(id: string, overrides: Partial<Supplier> = {}): Supplier {
  return {
    supplierId: id,
    name: id,
    channel: 'file',
    priority: 1,
    currency: 'EUR',
    acceptanceSlaMinutes: 60,
    processingDays: 1,
    feedFreshnessSlaHours: 24,
    shippingZones: [{ zoneId: 'EU', countries: ['DE'], methods: [{ code: 'STANDARD', name: 'DHL', transitDaysMin: 2, transitDaysMax: 4, costMinor: 490 }] }],
    status: 'ACTIVE',
    lastFeedAt: T0,
    blindShipping: false,
    ...overrides,
  };
}

export function putSupplier(table: FakeTable, s: Supplier): void {
  table.seed({ ...s, ...keys.supplier(s.supplierId), entity: 'Supplier' });
}
