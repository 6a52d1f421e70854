/**
 * The supplier entry points of the corpus: one valid message per inbound message type and one valid file
 * per inbox file kind, each mutated by the same generators as the HTTP corpus. A new message type or file
 * kind is one entry in `messageBases` / `fileKinds`. Inventory rows name SKUs the retailer does not sell
 * (unmapped), so a corpus feed never changes stock other tests count on.
 */
import fc from 'fast-check';
import { boundariesOf, mutationsOf, NASTY_STRINGS, preview, RAW_BODIES, type Json } from './mutations';
import { UID } from './http-entry-points';

export interface SupplierTarget {
  /** A DISPATCHED fulfillment of the supplier (its purchase order has line 1). */
  readonly fulfillmentId: string;
  readonly supplierSku: string;
  readonly occurredAt: string;
}

export interface MessageCase {
  readonly label: string;
  readonly body: string;
}

/** UPS test number with a valid check digit (docs/supplier-messages.md). */
const UPS = '1Z5R89390357567127';
const UNMAPPED = 'CORPUS-UNMAPPED';

export function messageBases(t: SupplierTarget): Record<string, Json> {
  const common = { messageId: `corpus-${UID}`, fulfillmentId: t.fulfillmentId, occurredAt: t.occurredAt };
  return {
    ACCEPTED: { type: 'ACCEPTED', ...common, estimatedShipDate: t.occurredAt.slice(0, 10) },
    REJECTED: { type: 'REJECTED', ...common, lines: [{ lineNo: 1, reason: 'OUT_OF_STOCK', message: 'Back in December' }] },
    SHIPPED: { type: 'SHIPPED', ...common, carrier: 'UPS', trackingNumber: UPS, lines: [{ lineNo: 1, quantity: 1 }] },
    SHIPPED_PARCELS: { type: 'SHIPPED', ...common, carrier: 'UPS', parcels: [{ trackingNumber: UPS, lines: [{ supplierSku: t.supplierSku, quantity: 1 }] }] },
    TRACKING_EVENT: { type: 'TRACKING_EVENT', ...common, trackingNumber: UPS, event: 'CARRIER_PICKED_UP', location: 'Hamburg depot' },
    DELIVERED: { type: 'DELIVERED', ...common, trackingNumber: UPS },
    INVENTORY_UPDATE: {
      type: 'INVENTORY_UPDATE',
      messageId: `corpus-${UID}`,
      sentAt: t.occurredAt,
      rows: [
        { supplierSku: `${UNMAPPED}-1`, quantity: 5, cost: '1.00' },
        { supplierSku: `${UNMAPPED}-2`, quantity: '12', map: null, discontinued: false },
      ],
    },
  };
}

/** Deterministic boundary messages: every field of every type past its limit (and past DynamoDB's key limits). */
export function messageBoundaries(t: SupplierTarget): MessageCase[] {
  return Object.entries(messageBases(t)).flatMap(([type, base]) =>
    boundariesOf(base).map((m) => ({ label: `${type} boundary ${preview(m.mutations, 100)}`, body: JSON.stringify(m.value) })),
  );
}

/** Messages: each type valid, mutated (mostly), and raw bodies that are not a message at all. */
export function messageCases(t: SupplierTarget): fc.Arbitrary<MessageCase> {
  const bases = Object.entries(messageBases(t));
  const sqsSafeRaw = RAW_BODIES.filter((b) => b.length < 200 * 1024).map((b) => (Buffer.isBuffer(b) ? b.toString('utf8') : b));
  return fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...bases).map<MessageCase>(([type, base]) => ({ label: `valid ${type}`, body: JSON.stringify(base) })) },
    {
      weight: 10,
      arbitrary: fc
        .constantFrom(...bases)
        .chain(([type, base]) => mutationsOf(base).map<MessageCase>((m) => ({ label: `${type} mutated ${preview(m.mutations, 160)}`, body: JSON.stringify(m.value) }))),
    },
    { weight: 1, arbitrary: fc.constantFrom(...sqsSafeRaw).map<MessageCase>((body) => ({ label: `raw ${preview(body, 40)}`, body })) },
  );
}

// ------------------------------------------------------------------------------------------------ files

export type FileKind = 'inventory' | 'tracking' | 'acknowledgements';

export interface FileCase {
  readonly label: string;
  readonly kind: FileKind;
  /** File name in the inbox folder (its extension decides CSV / JSON). */
  readonly name: string;
  readonly body: Buffer;
}

type Table = readonly (readonly string[])[];

/** RFC 4180: quote a cell when it needs it. */
function cell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function csv(rows: Table, eol = '\r\n'): string {
  return rows.map((r) => r.map(cell).join(',')).join(eol) + eol;
}

/** One valid file per kind (header + rows). */
export function fileBases(t: SupplierTarget): Record<FileKind, Table> {
  return {
    inventory: [
      ['sku', 'quantity', 'cost', 'map', 'discontinued'],
      [`${UNMAPPED}-1`, '10', '1.00', '', 'no'],
      [`${UNMAPPED}-2`, '0', '2.50', '4.99', 'yes'],
      [`${UNMAPPED}-3`, '99', '', '', ''],
    ],
    tracking: [
      ['fulfillment_id', 'carrier', 'tracking_number', 'ship_date', 'line_no', 'quantity'],
      [t.fulfillmentId, 'UPS', UPS, t.occurredAt.slice(0, 10), '1', '1'],
    ],
    acknowledgements: [
      ['fulfillment_id', 'status', 'estimated_ship_date', 'line_no', 'supplier_sku', 'reason', 'message'],
      [t.fulfillmentId, 'ACCEPTED', t.occurredAt.slice(0, 10), '', '', '', ''],
    ],
  };
}

type TableMutation = { readonly label: string; readonly apply: (rows: Table) => Table };

const nastyCell = fc.constantFrom(...NASTY_STRINGS.filter((s) => s.length < 30_000), '"unbalanced', 'a,b', '=cmd|" /C calc"!A0', '\u0000\u0000');

function tableMutation(width: number, height: number): fc.Arbitrary<TableMutation> {
  const row = fc.integer({ min: 0, max: height - 1 });
  const col = fc.integer({ min: 0, max: width - 1 });
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.tuple(fc.integer({ min: 1, max: Math.max(1, height - 1) }), col, nastyCell).map<TableMutation>(([r, c, v]) => ({
        label: `cell ${r},${c}=${preview(v, 30)}`,
        apply: (rows) => rows.map((x, i) => (i === r ? x.map((y, j) => (j === c ? v : y)) : x)),
      })),
    },
    { weight: 2, arbitrary: col.map<TableMutation>((c) => ({ label: `drop column ${c}`, apply: (rows) => rows.map((x) => x.filter((_, j) => j !== c)) })) },
    { weight: 1, arbitrary: col.map<TableMutation>((c) => ({ label: `header ${c} renamed`, apply: (rows) => rows.map((x, i) => (i === 0 ? x.map((y, j) => (j === c ? `${y} (old)` : y)) : x)) })) },
    { weight: 1, arbitrary: fc.constant<TableMutation>({ label: 'duplicate header column', apply: (rows) => rows.map((x) => [...x, x[0] ?? '']) }) },
    { weight: 1, arbitrary: row.map<TableMutation>((r) => ({ label: `short row ${r}`, apply: (rows) => rows.map((x, i) => (i === r ? x.slice(0, 1) : x)) })) },
    { weight: 1, arbitrary: row.map<TableMutation>((r) => ({ label: `long row ${r}`, apply: (rows) => rows.map((x, i) => (i === r ? [...x, 'extra', 'cells'] : x)) })) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(2, 500, 5_001).map<TableMutation>((n) => ({
        label: `last row repeated to ${n} rows`,
        apply: (rows) => [...rows, ...Array.from({ length: n }, () => rows.at(-1) ?? [])],
      })),
    },
  );
}

/** Raw files that are not the expected table at all. */
const RAW_FILES: readonly { label: string; body: Buffer }[] = [
  { label: 'empty', body: Buffer.alloc(0) },
  { label: 'only a BOM', body: Buffer.from('\uFEFF') },
  { label: 'binary', body: Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0xff, 0xfe, 0x00, 0x0a]) },
  { label: 'unterminated quote', body: Buffer.from('sku,quantity\n"CORPUS-UNMAPPED-1,5\n') },
  { label: 'UTF-16', body: Buffer.from('\uFEFFsku,quantity\r\nCORPUS-UNMAPPED-1,5\r\n', 'utf16le') },
  { label: 'over 5 MB', body: Buffer.from(`fulfillment_id,status,message\n${`ful_x,ACCEPTED,${'m'.repeat(490)}\n`.repeat(10_800)}`) },
];

export function fileCases(t: SupplierTarget): fc.Arbitrary<FileCase> {
  const bases = fileBases(t);
  const kinds = Object.keys(bases) as FileKind[];
  const mutated = fc.constantFrom(...kinds).chain((kind) => {
    const base = bases[kind];
    return fc
      .tuple(fc.array(tableMutation(base[0]?.length ?? 1, base.length), { minLength: 1, maxLength: 3 }), fc.constantFrom('\r\n', '\n'), fc.boolean())
      .map<FileCase>(([ms, eol, bom]) => ({
        label: `${kind} ${ms.map((m) => m.label).join('; ')}`,
        kind,
        name: `corpus-${UID}.csv`,
        body: Buffer.from(`${bom ? '\uFEFF' : ''}${csv(ms.reduce((rows, m) => m.apply(rows), base), eol)}`),
      }));
  });
  const inventoryJson = mutationsOf({ items: bases.inventory.slice(1).map((r) => ({ supplierSku: r[0] ?? '', quantity: Number(r[1]), cost: r[2] ?? '' })) }).map<FileCase>((m) => ({
    label: `inventory JSON mutated ${preview(m.mutations, 120)}`,
    kind: 'inventory',
    name: `corpus-${UID}.json`,
    body: Buffer.from(JSON.stringify(m.value)),
  }));
  return fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom(...kinds).map<FileCase>((kind) => ({ label: `${kind} valid`, kind, name: `corpus-${UID}.csv`, body: Buffer.from(csv(bases[kind])) })) },
    { weight: 6, arbitrary: mutated },
    { weight: 2, arbitrary: inventoryJson },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...kinds), fc.constantFrom(...RAW_FILES)).map<FileCase>(([kind, f]) => ({ label: `${kind} raw ${f.label}`, kind, name: `corpus-${UID}.csv`, body: f.body })) },
  );
}
