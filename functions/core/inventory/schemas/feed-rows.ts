/** One feed row parsed with the shared zod row schema (inventory.ts) into an offer change or its rejections. */
import { isRecord } from '../../kernel/guards';
import type { ZodError } from 'zod';
import { FEED_FIELDS, type FeedField } from '../../suppliers/domain/supplier';
import { FeedRow } from './inventory';
import { fieldLabel } from '../domain/feed-headers';
import { type RejectedRow, type RowContext, type RowOutcome, clip, display, moneyToMinor } from '../domain/feed-rows';

const isFeedField = (value: unknown): value is FeedField => typeof value === 'string' && (FEED_FIELDS as readonly string[]).includes(value);

function zodRejections(error: ZodError, input: unknown, row: number, ctx: RowContext): RejectedRow[] {
  const record = isRecord(input) ? input : {};
  const seen = new Set<string>();
  const out: RejectedRow[] = [];
  for (const issue of error.issues) {
    const head = issue.path[0];
    const field = isFeedField(head) ? head : undefined;
    const label = field === undefined ? (issue.path.length === 0 ? '(row)' : issue.path.map(String).join('.')) : fieldLabel(field, ctx.headers?.[field]);
    if (seen.has(label)) continue;
    seen.add(label);
    const raw = field === undefined ? undefined : field === 'supplierSku' && record['supplierSku'] === undefined ? record['sku'] : record[field];
    out.push({ row, field: label, reason: issue.message, value: display(raw) });
  }
  return out;
}

/**
 * Parse one row (a CSV record after csvRecordToInput, a JSON item, an SQS row) with the shared
 * schema and convert its money. Every bad field is reported (one entry per field).
 */
export function parseFeedRow(input: unknown, row: number, ctx: RowContext): RowOutcome {
  const parsed = FeedRow.safeParse(input);
  if (!parsed.success) return { ok: false, rejections: zodRejections(parsed.error, input, row, ctx) };
  const data = parsed.data;
  const currency = data.currency ?? ctx.currency;
  const rejections: RejectedRow[] = [];
  const money = (field: 'cost' | 'map', text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const result = moneyToMinor(text, ctx.moneyUnits, currency);
    if (result.ok) return result.minor;
    rejections.push({ row, field: fieldLabel(field, ctx.headers?.[field]), reason: result.message, value: clip(text) });
    return undefined;
  };
  const cost = money('cost', data.cost);
  const map = data.map === null ? null : money('map', data.map);
  if (rejections.length > 0) return { ok: false, rejections };
  return {
    ok: true,
    change: {
      supplierSku: data.supplierSku,
      stock: data.quantity,
      ...(cost === undefined ? {} : { wholesaleCostMinor: cost }),
      ...(map === undefined ? {} : { mapMinor: map }),
      ...(data.discontinued === undefined ? {} : { discontinued: data.discontinued }),
      // Money given → it is in this currency; no money → the offer keeps its currency.
      ...(data.currency !== undefined || cost !== undefined || typeof map === 'number' ? { currency } : {}),
    },
  };
}
