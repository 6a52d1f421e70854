/**
 * Packing slips: what goes on the slip of one fulfillment and how it is laid out. Pure (no AWS, no
 * PDF library): suppliers/services/packing-slip.ts draws the result with pdf-lib.
 *
 * Branding rule (the supplier's `blindShipping` and the channel's `branding` decide it together):
 * - RETAILER: the supplier ships blind (`blindShipping: true`) and the channel has branding → the
 *   retailer's display name, logo and return instructions. The supplier is never named.
 * - NEUTRAL: anything else (a supplier that ships under its own name, or a channel without branding)
 *   → no branding at all: neither the retailer's nor the supplier's name or logo, generic return
 *   instructions. A supplier shipping under its own name adds its own paperwork if it wants to.
 * The same rule decides whether a PURCHASE_ORDER carries `packingSlip` branding (supplier-outbound.ts).
 */
import type { Address } from '../../kernel/values';
import type { Channel } from '../../orders/domain/channel';
import type { Supplier } from './supplier';

/** A logo the platform can embed without network access: a data URL, or an object in the supplier files bucket. */
export type LogoSource =
  | { readonly kind: 'data'; readonly format: 'png' | 'jpeg'; readonly base64: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly key: string };

export type SlipBranding =
  | {
      readonly mode: 'RETAILER';
      readonly displayName: string;
      readonly logo?: LogoSource | undefined;
      readonly returnInstructions?: string | undefined;
    }
  | { readonly mode: 'NEUTRAL' };

/** Where S3-hosted logos must live in the supplier files bucket (the Dispatch function may read only this prefix). */
export const LOGO_PREFIX = 'branding/';

/** Largest logo accepted (bytes, decoded). */
export const MAX_LOGO_BYTES = 512 * 1024;

/**
 * A logo URL the slip can use, or undefined (printed as the display name instead):
 * `data:image/png;base64,...`, `data:image/jpeg;base64,...`, or `s3://{files bucket}/branding/...`.
 * http(s) URLs are not fetched: a Lambda has no business calling arbitrary hosts at dispatch.
 */
export function parseLogoUrl(url: string | undefined, filesBucket: string | undefined): LogoSource | undefined {
  if (url === undefined) return undefined;
  const data = /^data:image\/(png|jpe?g);base64,([A-Za-z0-9+/=\s]+)$/i.exec(url.trim());
  if (data !== null) {
    const format = (data[1] ?? '').toLowerCase() === 'png' ? 'png' : 'jpeg';
    const base64 = (data[2] ?? '').replace(/\s+/g, '');
    if (base64.length === 0 || (base64.length * 3) / 4 > MAX_LOGO_BYTES) return undefined;
    return { kind: 'data', format, base64 };
  }
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(url.trim());
  if (s3 !== null && filesBucket !== undefined) {
    const bucket = s3[1] ?? '';
    const key = s3[2] ?? '';
    if (bucket === filesBucket && key.startsWith(LOGO_PREFIX) && !key.includes('..')) return { kind: 's3', bucket, key };
  }
  return undefined;
}

/** Retailer-branded when the supplier ships blind and the channel has branding; otherwise neutral. */
export function slipBranding(
  supplier: Pick<Supplier, 'blindShipping'> | undefined,
  channel: Pick<Channel, 'branding'> | undefined,
  filesBucket?: string,
): SlipBranding {
  const branding = channel?.branding;
  if (supplier?.blindShipping !== true || branding === undefined || branding.displayName.trim() === '') return { mode: 'NEUTRAL' };
  return {
    mode: 'RETAILER',
    displayName: branding.displayName,
    logo: parseLogoUrl(branding.logoUrl, filesBucket),
    returnInstructions: branding.returnInstructions,
  };
}

export const NEUTRAL_RETURN_INSTRUCTIONS =
  'To return an item, contact the store you ordered from and quote the order reference printed on this slip.';

export interface PackingSlipLine {
  readonly supplierSku: string;
  /** The retailer's product title (the SKU when the order line had none). */
  readonly title: string;
  readonly quantity: number;
}

export interface PackingSlipInput {
  readonly orderRef: string;
  readonly fulfillmentId: string;
  /** When the purchase order was issued (ISO): the slip's date. */
  readonly issuedAt: string;
  readonly shipTo: Address;
  readonly shippingMethod: string;
  readonly lines: readonly PackingSlipLine[];
  readonly branding: SlipBranding;
}

/** The slip's text, in reading order. Every string is still Unicode: the renderer picks a font per run of text. */
export interface PackingSlipContent {
  readonly heading?: string | undefined;
  readonly logo?: LogoSource | undefined;
  readonly title: string;
  readonly facts: readonly (readonly [label: string, value: string])[];
  readonly shipTo: readonly string[];
  /** The ship-to country (ISO code): which CJK font prints Han characters (domain/slip-fonts.ts). */
  readonly shipToCountry?: string | undefined;
  readonly lines: readonly PackingSlipLine[];
  readonly totalUnits: number;
  readonly returnsHeading: string;
  readonly returnInstructions: string;
  /** Document title / subject metadata (no supplier, no customer data). */
  readonly documentTitle: string;
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });

function countryName(code: string): string {
  try {
    return regionNames.of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}

/** The address block as printed (empty parts dropped). The phone is not printed: the carrier label carries it. */
export function shipToLines(address: Address): string[] {
  const cityLine = [address.postcode, address.city].filter((p) => p.trim() !== '').join(' ');
  return [
    address.name,
    address.company,
    address.line1,
    address.line2,
    cityLine,
    address.region,
    countryName(address.country),
  ].filter((p): p is string => p !== undefined && p.trim() !== '');
}

export function packingSlipContent(input: PackingSlipInput): PackingSlipContent {
  const retailer = input.branding.mode === 'RETAILER' ? input.branding : undefined;
  const returns = retailer?.returnInstructions?.trim();
  return {
    heading: retailer?.displayName,
    logo: retailer?.logo,
    title: 'Packing slip',
    facts: [
      ['Order', input.orderRef],
      ['Shipment', input.fulfillmentId],
      ['Date', input.issuedAt.slice(0, 10)],
      ['Shipping method', input.shippingMethod],
    ],
    shipTo: shipToLines(input.shipTo),
    shipToCountry: input.shipTo.country,
    lines: input.lines,
    totalUnits: input.lines.reduce((sum, l) => sum + l.quantity, 0),
    returnsHeading: 'Returns',
    returnInstructions: returns === undefined || returns === '' ? NEUTRAL_RETURN_INSTRUCTIONS : returns,
    documentTitle: `Packing slip ${input.orderRef}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Text: what a standard PDF font (WinAnsi) can print, and line wrapping

/** Unicode → WinAnsi-friendly replacements for characters NFKD does not decompose. */
const REPLACEMENTS: Readonly<Record<string, string>> = {
  'ł': 'l',
  'Ł': 'L',
  'đ': 'd',
  'Đ': 'D',
  'ı': 'i',
  'ħ': 'h',
  'Ħ': 'H',
  'ŧ': 't',
  'Ŧ': 'T',
  'ø': 'o',
  'Ø': 'O',
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2212': '-',
  '\u2032': "'",
  '\u2033': '"',
  '\u00a0': ' ',
  '\u2007': ' ',
  '\u202f': ' ',
};

/**
 * Make `text` printable with a font that can encode exactly the code points `canEncode` accepts
 * (pdf-lib's standard fonts: WinAnsi). Control characters become spaces; letters with diacritics the
 * font lacks lose the diacritic (NFKD); a few letters are transliterated; anything else becomes `?`.
 */
export function sanitizeForFont(text: string, canEncode: (codePoint: number) => boolean): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0x3f;
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
      out += ' ';
      continue;
    }
    if (canEncode(cp)) {
      out += ch;
      continue;
    }
    const replacement = REPLACEMENTS[ch];
    if (replacement !== undefined && [...replacement].every((c) => canEncode(c.codePointAt(0) ?? 0))) {
      out += replacement;
      continue;
    }
    const decomposed = ch.normalize('NFKD').replace(/\p{M}/gu, '');
    if (decomposed !== '' && decomposed !== ch && [...decomposed].every((c) => canEncode(c.codePointAt(0) ?? 0))) {
      out += decomposed;
      continue;
    }
    out += '?';
  }
  return out.replace(/ {2,}/g, ' ');
}

/**
 * Greedy word wrap to `maxWidth` (in the unit `measure` returns). Words longer than a line (SKUs,
 * URLs) are broken between characters. Never returns an empty array.
 */
export function wrapText(text: string, maxWidth: number, measure: (s: string) => number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split(/\r?\n/)) {
    let current = '';
    for (const word of paragraph.split(/\s+/).filter((w) => w !== '')) {
      const candidate = current === '' ? word : `${current} ${word}`;
      if (measure(candidate) <= maxWidth) {
        current = candidate;
        continue;
      }
      if (current !== '') lines.push(current);
      current = '';
      let rest = word;
      while (measure(rest) > maxWidth && rest.length > 1) {
        let cut = 1;
        while (cut < rest.length && measure(rest.slice(0, cut + 1)) <= maxWidth) cut++;
        lines.push(rest.slice(0, cut));
        rest = rest.slice(cut);
      }
      current = rest;
    }
    lines.push(current);
  }
  return lines.length === 0 ? [''] : lines;
}
