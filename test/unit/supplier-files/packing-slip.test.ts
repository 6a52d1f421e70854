import { GetObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { PDFDict, PDFName, PDFDocument, StandardFonts } from 'pdf-lib';
import { Readable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  NEUTRAL_RETURN_INSTRUCTIONS,
  parseLogoUrl,
  sanitizeForFont,
  slipBranding,
  wrapText,
  type PackingSlipInput,
  type SlipBranding,
} from '../../../functions/core/suppliers/domain/packing-slip';
import type { Channel } from '../../../functions/core/orders/domain/channel';
import { packingSlipPdf } from '../../../functions/core/suppliers/services/packing-slip';
import { readPdf } from './support/pdf-text';

const s3Mock = mockClient(S3Client);
beforeEach(() => s3Mock.reset());

/** A 1x1 PNG. */
const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const BUCKET = 'supplier-files-bucket';

/** A GetObject body as the SDK returns it (a stream with the transform helpers). */
function objectBody(bytes: Uint8Array): GetObjectCommandOutput['Body'] {
  return Object.assign(Readable.from([bytes]), { transformToByteArray: async () => bytes }) as unknown as GetObjectCommandOutput['Body'];
}

const RETAILER: SlipBranding = {
  mode: 'RETAILER',
  displayName: 'Northwind Goods',
  returnInstructions: 'Returns within 30 days: write to returns@example.com with your order number.',
};

function slipInput(overrides: Partial<PackingSlipInput> = {}): PackingSlipInput {
  return {
    orderRef: 'WEB-1001',
    fulfillmentId: 'ful_0123456789abcdefghjkmnpqrs_01',
    issuedAt: '2026-11-25T10:00:00.000Z',
    shipTo: { name: 'Ada Lovelace', company: 'Analytical Engines Ltd', line1: 'Invalidenstrasse 117', city: 'Berlin', postcode: '10115', country: 'DE', phone: '+49 30 5550 9876' },
    shippingMethod: 'DHL Paket',
    lines: [
      { supplierSku: 'NH-TS-0101-M', title: 'Organic cotton T-shirt, black, M', quantity: 2 },
      { supplierSku: 'NH-MG-2201', title: 'Enamel camping mug, white', quantity: 1 },
    ],
    branding: RETAILER,
    ...overrides,
  };
}

describe('branding rule', () => {
  const branded: Pick<Channel, 'branding'> = { branding: { displayName: 'Northwind Goods', logoUrl: 'https://example.com/logo.svg', returnInstructions: 'Returns: 30 days.' } };
  it.each<[string, SlipBranding['mode'], boolean | undefined, Pick<Channel, 'branding'> | undefined]>([
    ['blind supplier, channel with branding', 'RETAILER', true, branded],
    ['blind supplier, channel without branding', 'NEUTRAL', true, {}],
    ['blind supplier, unknown channel', 'NEUTRAL', true, undefined],
    ['supplier shipping under its own name, channel with branding', 'NEUTRAL', false, branded],
    ['unknown supplier', 'NEUTRAL', undefined, branded],
  ])('%s → %s', (_name, mode, blindShipping, channel) => {
    const supplier = blindShipping === undefined ? undefined : { blindShipping };
    expect(slipBranding(supplier, channel).mode).toBe(mode);
  });

  it('a retailer-branded slip carries the channel branding, never a supplier; an https logo is not fetched', () => {
    expect(slipBranding({ blindShipping: true }, branded, BUCKET)).toEqual({
      mode: 'RETAILER',
      displayName: 'Northwind Goods',
      logo: undefined,
      returnInstructions: 'Returns: 30 days.',
    });
  });

  it.each<[string, string | undefined, ReturnType<typeof parseLogoUrl>]>([
    ['PNG data URL', `data:image/png;base64,${PNG_BASE64}`, { kind: 'data', format: 'png', base64: PNG_BASE64 }],
    ['JPEG data URL', 'data:image/jpeg;base64,/9j/4AAQ', { kind: 'data', format: 'jpeg', base64: '/9j/4AAQ' }],
    ['S3 object under branding/ in the files bucket', `s3://${BUCKET}/branding/demo-web/logo.png`, { kind: 's3', bucket: BUCKET, key: 'branding/demo-web/logo.png' }],
    ['S3 object in another bucket', 's3://someone-else/branding/logo.png', undefined],
    ['S3 object outside branding/', `s3://${BUCKET}/suppliers/acme/outbox/x.png`, undefined],
    ['an https URL (no network at dispatch)', 'https://example.com/logo.png', undefined],
    ['an SVG data URL', 'data:image/svg+xml;base64,PHN2Zz4=', undefined],
    ['no logo', undefined, undefined],
  ])('logo: %s', (_name, url, expected) => {
    expect(parseLogoUrl(url, BUCKET)).toEqual(expected);
  });
});

describe('text for standard fonts', () => {
  let charset: Set<number>;
  beforeEach(async () => {
    const doc = await PDFDocument.create();
    charset = new Set((await doc.embedFont(StandardFonts.Helvetica)).getCharacterSet());
  });

  it.each([
    ['Zoë Ørsted, Invalidenstraße 1', 'Zoë Ørsted, Invalidenstraße 1'],
    ['Łódź, Kraków', 'Lódz, Kraków'],
    ['Nguyễn Văn Ánh', 'Nguyen Van Ánh'],
    ['東京都 1-2-3', '??? 1-2-3'],
    ['Tee 👕 — €19,99', 'Tee ? — €19,99'],
    ['line\nbreak\ttab', 'line break tab'],
  ])('%j → %j', (input, expected) => {
    expect(sanitizeForFont(input, (cp) => charset.has(cp))).toBe(expected);
  });

  it('whatever the input, the output is encodable by the font (property)', async () => {
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (text) => {
        const out = sanitizeForFont(text, (cp) => charset.has(cp));
        expect(() => font.encodeText(out)).not.toThrow();
        expect([...out].every((c) => charset.has(c.codePointAt(0) ?? -1))).toBe(true);
      }),
    );
  });

  it('wraps to the width, breaking words longer than a line, losing nothing (property)', () => {
    const measure = (s: string) => s.length * 5;
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z0-9-]{1,30}$/), { maxLength: 20 }), fc.integer({ min: 10, max: 120 }), (words, width) => {
        const lines = wrapText(words.join(' '), width, measure);
        for (const line of lines) expect(line.length <= 1 || measure(line) <= width).toBe(true);
        expect(lines.join('').replace(/\s/g, '')).toBe(words.join(''));
      }),
    );
  });
});

describe('packing slip PDF', () => {
  it('is a valid PDF with the order reference, ship-to, every line (supplier SKU, title, quantity), method and return instructions', async () => {
    const bytes = await packingSlipPdf(slipInput());
    const pdf = await readPdf(bytes);
    expect(pdf.doc.getPageCount()).toBe(1);
    expect(pdf.doc.getTitle()).toBe('Packing slip WEB-1001');
    const page = pdf.pages[0] ?? [];
    expect(page).toEqual(expect.arrayContaining(['Packing slip', 'WEB-1001', 'ful_0123456789abcdefghjkmnpqrs_01', '2026-11-25', 'DHL Paket']));
    expect(page).toEqual(expect.arrayContaining(['Ada Lovelace', 'Analytical Engines Ltd', 'Invalidenstrasse 117', '10115 Berlin', 'Germany']));
    // Each line: its supplier SKU, then its title, then its quantity, in that order.
    for (const [sku, title, qty] of [
      ['NH-TS-0101-M', 'Organic cotton T-shirt, black, M', '2'],
      ['NH-MG-2201', 'Enamel camping mug, white', '1'],
    ] as const) {
      const at = page.indexOf(sku);
      expect(at).toBeGreaterThan(-1);
      expect(page.slice(at, at + 3)).toEqual([sku, title, qty]);
    }
    expect(page).toContain('Total units: 3');
    expect(pdf.text).toContain('Returns within 30 days: write to returns@example.com with your order number.');
    // The phone number is not printed (the carrier label carries it).
    expect(pdf.text).not.toContain('5550');
  });

  it('retailer-branded: the retailer name at the top; neutral: no name at all and generic return instructions', async () => {
    const branded = await readPdf(await packingSlipPdf(slipInput()));
    expect(branded.pages[0]?.[0]).toBe('Northwind Goods');

    const neutral = await readPdf(await packingSlipPdf(slipInput({ branding: { mode: 'NEUTRAL' } })));
    expect(neutral.pages[0]?.[0]).toBe('Packing slip');
    expect(neutral.text).not.toContain('Northwind');
    expect(neutral.text).toContain(NEUTRAL_RETURN_INSTRUCTIONS);
  });

  it('never names the supplier (the slip is built from the order, not from the supplier)', async () => {
    const pdf = await readPdf(await packingSlipPdf(slipInput()));
    expect(pdf.text).not.toMatch(/nordic|supplier/i);
  });

  it('prints a character no font has (an emoji) as "?" instead of failing; WinAnsi Latin stays in Helvetica', async () => {
    const pdf = await readPdf(await packingSlipPdf(slipInput({ lines: [{ supplierSku: 'SKU-1', title: 'Tee 👕 — black', quantity: 1 }] })));
    expect(pdf.text).toContain('Tee ? — black');
    expect(pdf.text).toContain('Invalidenstrasse 117');
  });

  it('runs over several pages for long orders: every line present, the table header repeated, "page i of n" on each', async () => {
    const lines = Array.from({ length: 70 }, (_, i) => ({ supplierSku: `SKU-${String(i + 1).padStart(3, '0')}`, title: `Item number ${i + 1}`, quantity: (i % 5) + 1 }));
    const pdf = await readPdf(await packingSlipPdf(slipInput({ lines })));
    const pages = pdf.doc.getPageCount();
    expect(pages).toBeGreaterThan(1);
    for (const line of lines) expect(pdf.text).toContain(line.supplierSku);
    pdf.pages.forEach((page, i) => {
      expect(page).toContain(`Order WEB-1001 - page ${i + 1} of ${pages}`);
      if (i > 0) expect(page[0]).toBe('Packing slip - WEB-1001 (continued)');
    });
    expect(pdf.text).toContain(`Total units: ${lines.reduce((n, l) => n + l.quantity, 0)}`);
  });

  it('embeds a data-URL logo as an image; an https logo is not embedded (the name is printed)', async () => {
    const imagesOn = async (bytes: Uint8Array) => {
      const doc = await PDFDocument.load(bytes);
      const resources = doc.getPages()[0]?.node.Resources();
      const xobjects = resources?.lookupMaybe(PDFName.of('XObject'), PDFDict);
      return xobjects?.keys().length ?? 0;
    };
    const withLogo = await packingSlipPdf(slipInput({ branding: { ...RETAILER, logo: parseLogoUrl(`data:image/png;base64,${PNG_BASE64}`, BUCKET) } }));
    const withoutLogo = await packingSlipPdf(slipInput({ branding: slipBranding({ blindShipping: true }, { branding: { displayName: 'Northwind Goods', logoUrl: 'https://example.com/logo.png' } }, BUCKET) }));
    expect(await imagesOn(withLogo)).toBe(1);
    expect(await imagesOn(withoutLogo)).toBe(0);
    expect((await readPdf(withLogo)).pages[0]?.[0]).toBe('Northwind Goods');
  });

  it('reads an S3 logo from the files bucket; an unreadable one is left out without failing the slip', async () => {
    s3Mock.on(GetObjectCommand, { Bucket: BUCKET, Key: 'branding/demo-web/logo.png' }).resolves({ Body: objectBody(Buffer.from(PNG_BASE64, 'base64')), ContentLength: 70 });
    s3Mock.on(GetObjectCommand, { Bucket: BUCKET, Key: 'branding/demo-web/missing.png' }).rejects(Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' }));
    const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    const warnings: unknown[] = [];
    const logger = { warn: (...args: unknown[]) => warnings.push(args) };
    const ok = await packingSlipPdf(slipInput({ branding: { ...RETAILER, logo: { kind: 's3', bucket: BUCKET, key: 'branding/demo-web/logo.png' } } }), { s3, logger });
    const missing = await packingSlipPdf(slipInput({ branding: { ...RETAILER, logo: { kind: 's3', bucket: BUCKET, key: 'branding/demo-web/missing.png' } } }), { s3, logger });
    expect((await PDFDocument.load(ok)).getPages()[0]?.node.Resources()?.lookupMaybe(PDFName.of('XObject'), PDFDict)?.keys()).toHaveLength(1);
    expect((await readPdf(missing)).pages[0]?.[0]).toBe('Northwind Goods');
    expect(warnings).toHaveLength(1);
  });

  it('is deterministic: the same fulfillment gives the same bytes (a re-dispatch overwrites it with the same slip)', async () => {
    const a = await packingSlipPdf(slipInput());
    const b = await packingSlipPdf(slipInput());
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });
});
