/**
 * Inventory feed contracts (issue 5): ONE row schema shared by CSV feeds (after header aliases map the
 * columns onto the canonical fields), JSON feed files and the `INVENTORY_UPDATE` SQS message.
 *
 * The schema checks shape and format only; money is normalized to a decimal string here and turned
 * into integer minor units by the domain (functions/core/inventory/domain/feed-rows.ts), which knows the
 * supplier's `files.moneyUnits` and the offer's currency.
 */
import * as z from 'zod';
import { isCurrencyCode } from '../../kernel/money';
import { isRecord } from '../../kernel/guards';

/** Largest stock a feed row may state (anything above is a data error, not a warehouse). */
export const MAX_FEED_QUANTITY = 1_000_000_000;
/** At most this many rows in one INVENTORY_UPDATE message. */
export const MAX_INVENTORY_MESSAGE_ROWS = 500;

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1', 'discontinued']);
const FALSE_WORDS = new Set(['false', 'no', 'n', '0', 'active']);

/** The supplier's own SKU (what offers map through gsi1 `SSKU#{supplierSku}`). */
export const FeedSupplierSku = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be text') })
  .trim()
  .min(1, 'is required')
  .max(64, 'must be at most 64 characters')
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters')
  .meta({ description: 'Your SKU, as on the purchase orders you receive', examples: ['ACME-TS-BLK-M'] });

/** Units on hand: a whole number ≥ 0 (a number, or text such as "12"; "12.0" is accepted). */
export const FeedQuantity = z
  .union([z.number(), z.string()], { error: (issue) => (issue.input === undefined || issue.input === null ? 'is required' : 'must be a whole number of units (0 or more)') })
  .transform((value, ctx): number => {
    const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value.trim();
    if (text === '') {
      ctx.addIssue({ code: 'custom', message: 'is required', input: value });
      return z.NEVER;
    }
    const match = /^(\d+)(?:\.0+)?$/.exec(text);
    if (match === null) {
      ctx.addIssue({ code: 'custom', message: 'must be a whole number of units (0 or more)', input: value });
      return z.NEVER;
    }
    const quantity = Number(match[1]);
    if (!Number.isSafeInteger(quantity) || quantity > MAX_FEED_QUANTITY) {
      ctx.addIssue({ code: 'custom', message: `must be at most ${MAX_FEED_QUANTITY}`, input: value });
      return z.NEVER;
    }
    return quantity;
  })
  .meta({ description: 'Units available to sell (whole number ≥ 0)', examples: [12] });

/**
 * A money amount ≥ 0 as a decimal string or number ("12.50", 12.5). Normalized to a plain decimal
 * string without leading zeros; whether it is major units (12.50) or minor units (1250) is the
 * supplier's `files.moneyUnits` setting (default major).
 */
export const FeedMoney = z
  .union([z.number(), z.string()], { error: 'must be a decimal amount such as 12.50' })
  .transform((value, ctx): string => {
    const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value.trim();
    const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
    if (match === null) {
      ctx.addIssue({ code: 'custom', message: 'must be a decimal amount of 0 or more such as 12.50 (no currency symbol, "." as decimal point)', input: value });
      return z.NEVER;
    }
    const whole = (match[1] ?? '0').replace(/^0+(?=\d)/, '');
    return match[2] === undefined ? whole : `${whole}.${match[2]}`;
  })
  .meta({ description: 'Decimal amount ≥ 0 (major units such as 12.50 by default; integer minor units when the supplier is set to `moneyUnits: minor`)', examples: ['12.50'] });

/** true/false, yes/no, y/n, 1/0 (any case), or a status column's discontinued/active. */
export const FeedFlag = z
  .union([z.boolean(), z.number(), z.string()], { error: 'must be true/false, yes/no, y/n or 1/0' })
  .transform((value, ctx): boolean => {
    if (typeof value === 'boolean') return value;
    const word = String(value).trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    ctx.addIssue({ code: 'custom', message: 'must be true/false, yes/no, y/n, 1/0 (or discontinued/active)', input: value });
    return z.NEVER;
  })
  .meta({ description: 'Whether the item is discontinued (true/false, yes/no, y/n, 1/0; a `status` column may say discontinued/active)', examples: [false] });

export const FeedCurrency = z
  .string({ error: 'must be an ISO 4217 currency code such as "EUR"' })
  .trim()
  .toUpperCase()
  .refine(isCurrencyCode, 'must be an ISO 4217 currency code such as "EUR"')
  .meta({ description: 'Currency of cost and map (ISO 4217); default: the offer\'s current currency', examples: ['EUR'] });

const FeedRowObject = z.object({
  supplierSku: FeedSupplierSku,
  quantity: FeedQuantity,
  cost: FeedMoney.optional().meta({ description: 'Wholesale cost per unit; absent = keep the current cost' }),
  map: FeedMoney.nullable()
    .optional()
    .meta({ description: 'Minimum advertised price; absent = keep, null (or an empty CSV cell) = the supplier no longer imposes one' }),
  discontinued: FeedFlag.optional().meta({ description: 'absent = keep the current flag' }),
  currency: FeedCurrency.optional(),
});

/**
 * One inventory row (JSON feed item, SQS message row, or a CSV record after header mapping).
 * JSON may name the SKU `sku` instead of `supplierSku`. Unknown members are ignored.
 */
export const FeedRow = z
  .preprocess((value) => {
    if (isRecord(value) && value['supplierSku'] === undefined && value['sku'] !== undefined) {
      const { sku, ...rest } = value;
      return { ...rest, supplierSku: sku };
    }
    return value;
  }, FeedRowObject)
  .meta({ description: 'One inventory row: your SKU, units on hand and optionally cost, MAP, discontinued flag and currency.' });
export type FeedRowInput = z.input<typeof FeedRowObject>;
export type FeedRow = z.output<typeof FeedRowObject>;

/**
 * The envelope of a JSON feed file: `{ "items": [ ...rows ] }` or a bare array of rows. Rows are
 * parsed one by one with FeedRow (a bad row is rejected, not the whole file).
 */
export const InventoryFeedFileEnvelope = z.union([z.object({ items: z.array(z.unknown()) }), z.array(z.unknown())], {
  error: 'a JSON feed is { "items": [ ... ] } or an array of rows',
});

const MessageId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7E]+$/, 'must be printable ASCII without spaces')
  .meta({
    description:
      'Unique per supplier: a message id applied before (within 14 days) is acknowledged and not applied again (checked and recorded atomically with the apply). Stock is ordered by `sentAt`, not by arrival: an older snapshot arriving after a newer one, under any id, never overwrites it.',
    examples: ['inv-000123'],
  });

/**
 * Inventory over SQS (suppliers with an API instead of files), on the supplier's INBOUND queue.
 * A message is applied whole or not at all: one invalid row makes the message invalid.
 */
export const InventoryUpdateMessage = z
  .strictObject({
    type: z.literal('INVENTORY_UPDATE'),
    messageId: MessageId,
    sentAt: z.iso.datetime({ offset: true }).meta({
      description:
        'The as-of of this snapshot: when its stock was true at the supplier (ISO 8601 with time zone). Not newer than the last complete snapshot applied: skipped; per SKU, a row older than the truth the SKU holds is skipped (stale)',
    }),
    complete: z
      .boolean()
      .optional()
      .meta({ description: 'true = these rows are the whole catalog (a full snapshot): refreshes the feed freshness like a feed file' }),
    rows: z.array(FeedRow).min(1, 'must hold at least one row').max(MAX_INVENTORY_MESSAGE_ROWS, `must hold at most ${MAX_INVENTORY_MESSAGE_ROWS} rows`),
  })
  .meta({ description: 'Stock, cost, MAP and discontinued flags for some (or, with complete: true, all) of your SKUs. Only changed rows are written.' });
export type InventoryUpdateMessage = z.output<typeof InventoryUpdateMessage>;
