/**
 * Packing slips in every script, read back with pdf.js (an independent PDF reader: it decodes the
 * embedded subset fonts' ToUnicode maps and reorders right-to-left text as a viewer's copy/paste does).
 *
 * What extraction gives:
 * - left-to-right scripts (Latin, Greek, Cyrillic, CJK, Thai): each printed line exactly as the input;
 * - Arabic and Hebrew: pdf.js reads a right-to-left run backwards, so a one-direction line comes back as
 *   the logical input; a line mixing directions ("רחוב הרצל 5 (דירה 3)") comes back in runs, whose
 *   left-to-right order is checked against the Unicode Bidirectional Algorithm's visual order (bidi-js);
 * - Devanagari: glyph order, i.e. a pre-base vowel sign (ि) before its consonant and a reph (र्) after the
 *   syllable: the same characters as the input, reordered inside a syllable (checked as such).
 */
import bidiFactory from 'bidi-js';
import { PDFDict, PDFDocument, PDFName, PDFRawStream, PDFRef, PDFStream } from 'pdf-lib';
import fontkit from '@pdf-lib/fontkit';
import { readFileSync } from 'node:fs';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { describe, expect, it } from 'vitest';
import type { Address } from '../../../functions/core/kernel/values';
import { SLIP_FONTS, cjkFontFor, fontRuns, type SlipFontId } from '../../../functions/core/suppliers/domain/slip-fonts';
import type { PackingSlipInput } from '../../../functions/core/suppliers/domain/packing-slip';
import { packingSlipPdf } from '../../../functions/core/suppliers/services/packing-slip';
import { evenGlyphs, fontFilePath } from '../../../functions/core/suppliers/services/slip-fonts';

const bidi = bidiFactory();

interface Item {
  readonly str: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly dir: string;
}

/** Page 1's text items (pdf.js), grouped into lines (same baseline), each sorted left to right. */
async function extractLines(bytes: Uint8Array): Promise<Item[][]> {
  const task = getDocument({ data: bytes.slice(), verbosity: 0 });
  const pdf = await task.promise;
  const content = await (await pdf.getPage(1)).getTextContent();
  const items: Item[] = [];
  for (const raw of content.items) {
    if (!('str' in raw) || raw.str === '') continue;
    items.push({ str: raw.str, x: raw.transform[4] as number, y: Math.round(raw.transform[5] as number), width: raw.width, dir: raw.dir });
  }
  await task.destroy();
  const byY = new Map<number, Item[]>();
  for (const item of items) byY.set(item.y, [...(byY.get(item.y) ?? []), item]);
  // A baseline holds several columns (order facts on the left, ship-to on the right): split at wide gaps.
  const lines: Item[][] = [];
  for (const [, line] of [...byY.entries()].sort((a, b) => b[0] - a[0])) {
    let current: Item[] = [];
    for (const item of line.sort((a, b) => a.x - b.x)) {
      const last = current.at(-1);
      if (last !== undefined && item.x > last.x + last.width + 8) {
        lines.push(current);
        current = [];
      }
      current.push(item);
    }
    lines.push(current);
  }
  return lines;
}

/** A line as read: its items left to right, each as pdf.js gives it (RTL items already reversed to logical). */
const readLine = (line: readonly Item[]): string => line.map((i) => i.str).join('');
/** A line in visual (glyph) order: RTL items reversed back. */
const visualLine = (line: readonly Item[]): string => line.map((i) => (i.dir === 'rtl' ? [...i.str].reverse().join('') : i.str)).join('');
/** The Unicode Bidirectional Algorithm's visual order of `text` (mirrored characters swapped). */
const ubaVisual = (text: string): string => bidi.getReorderedString(text, bidi.getEmbeddingLevels(text));

function slip(shipTo: Address, title = 'Organic cotton T-shirt', heading?: string): PackingSlipInput {
  return {
    orderRef: 'WEB-2001',
    fulfillmentId: 'ful_0123456789abcdefghjkmnpqrs_01',
    issuedAt: '2026-11-25T10:00:00.000Z',
    shipTo,
    shippingMethod: 'Standard',
    lines: [{ supplierSku: 'NH-TS-0101-M', title, quantity: 2 }],
    branding: heading === undefined ? { mode: 'NEUTRAL' } : { mode: 'RETAILER', displayName: heading },
  };
}

interface ScriptCase {
  readonly script: string;
  readonly shipTo: Address;
  /** Product title printed in the lines table. */
  readonly title: string;
  /** Lines that must come back exactly (logical order). */
  readonly exact: readonly string[];
}

const CASES: readonly ScriptCase[] = [
  { script: 'Latin with diacritics (Polish, Czech, Vietnamese)', shipTo: { name: 'Łukasz Wałęsa', company: 'Řehoř & Nguyễn Thị Ánh', line1: 'ul. Żółkiewskiego 5', city: 'Łódź', postcode: '90-001', country: 'PL' }, title: 'Kubek ceramiczny, żółty', exact: ['Łukasz Wałęsa', 'Řehoř & Nguyễn Thị Ánh', 'ul. Żółkiewskiego 5', '90-001 Łódź', 'Kubek ceramiczny, żółty'] },
  { script: 'Chinese (simplified)', shipTo: { name: '张伟', line1: '朝阳区建国路88号', city: '北京市', postcode: '100022', country: 'CN' }, title: '保温杯 500毫升', exact: ['张伟', '朝阳区建国路88号', '100022 北京市', '保温杯 500毫升'] },
  { script: 'Chinese (traditional)', shipTo: { name: '陳美玲', line1: '信義區信義路五段7號', city: '臺北市', postcode: '110', country: 'TW' }, title: '陶瓷馬克杯', exact: ['陳美玲', '信義區信義路五段7號', '110 臺北市', '陶瓷馬克杯'] },
  { script: 'Japanese', shipTo: { name: '山田 太郎', line1: '千代田区丸の内1-9-2', city: '東京都', postcode: '100-0005', country: 'JP' }, title: 'オーガニックコットンTシャツ', exact: ['山田 太郎', '千代田区丸の内1-9-2', '100-0005 東京都', 'オーガニックコットンTシャツ'] },
  { script: 'Korean', shipTo: { name: '김민준', line1: '강남구 테헤란로 152', city: '서울특별시', postcode: '06236', country: 'KR' }, title: '유기농 면 티셔츠', exact: ['김민준', '강남구 테헤란로 152', '06236 서울특별시', '유기농 면 티셔츠'] },
  { script: 'Greek', shipTo: { name: 'Γιώργος Παπαδόπουλος', line1: 'Οδός Ερμού 25', city: 'Αθήνα', postcode: '105 63', country: 'GR' }, title: 'Κούπα κεραμική', exact: ['Γιώργος Παπαδόπουλος', 'Οδός Ερμού 25', '105 63 Αθήνα', 'Κούπα κεραμική'] },
  { script: 'Cyrillic', shipTo: { name: 'Анна Смирнова', line1: 'ул. Тверская, д. 7, кв. 12', city: 'Москва', postcode: '125009', country: 'RU' }, title: 'Кружка эмалированная', exact: ['Анна Смирнова', 'ул. Тверская, д. 7, кв. 12', '125009 Москва', 'Кружка эмалированная'] },
  { script: 'Arabic', shipTo: { name: 'محمد عبد الله', line1: 'شارع الملك فهد', city: 'الرياض', postcode: '12271', country: 'SA' }, title: 'كوب سيراميك', exact: ['محمد عبد الله', 'شارع الملك فهد', '12271 الرياض', 'كوب سيراميك'] },
  // The postcode's digits are in Noto Sans (the Hebrew font has none): a run of its own, checked alone.
  { script: 'Hebrew', shipTo: { name: 'דוד כהן', line1: 'רחוב הרצל', city: 'תל אביב', postcode: '6100000', country: 'IL' }, title: 'ספל קרמיקה', exact: ['דוד כהן', 'רחוב הרצל', 'תל אביב', '6100000', 'ספל קרמיקה'] },
  { script: 'Thai', shipTo: { name: 'สมชาย ใจดี', line1: 'ถนนสุขุมวิท', city: 'กรุงเทพมหานคร', postcode: '10110', country: 'TH' }, title: 'แก้วเซรามิก', exact: ['สมชาย ใจดี', 'ถนนสุขุมวิท', '10110 กรุงเทพมหานคร', 'แก้วเซรามิก'] },
];

describe('packing slips in every script (text extracted back with pdf.js)', () => {
  it.each(CASES)('$script: every line comes back as printed, no "?"', async ({ shipTo, title, exact }) => {
    const lines = (await extractLines(await packingSlipPdf(slip(shipTo, title)))).map(readLine);
    for (const expected of exact) expect(lines.filter((line) => line.includes(expected)), expected).not.toEqual([]);
    expect(lines.join('\n')).not.toContain('?');
    expect(lines).toContain('Order: WEB-2001');
  });

  it('right-to-left lines mixing directions are laid out in the Unicode bidi visual order', async () => {
    const he = 'רחוב הרצל 5 (דירה 3)';
    const ar = 'شارع الملك فهد 12، الرياض';
    const lines = await extractLines(await packingSlipPdf(slip({ name: 'דוד כהן', line1: he, line2: ar, city: 'תל אביב', postcode: '6100000', country: 'IL' })));
    const arLine = lines.find((l) => l.some((i) => i.str.includes('الرياض'))) ?? [];
    expect(readLine(arLine)).toBe(ar); // pdf.js gives the logical text back, the number included
    const heLineItems = lines.find((l) => l.some((i) => i.str === 'דירה')) ?? [];
    expect(visualLine(heLineItems)).toBe(ubaVisual(he)); // "(3 הריד) 5 לצרה בוחר": runs in bidi visual order, parentheses mirrored
    // The first logical word is the rightmost: the line reads right to left.
    const heLine = lines.find((l) => l.some((i) => i.str === 'רחוב הרצל')) ?? [];
    expect(heLine.at(-1)?.str).toBe('רחוב הרצל');
  });

  it('Devanagari: the same characters come back, in glyph order inside a syllable (pre-base ि, reph र्)', async () => {
    const shipTo: Address = { name: 'राहुल शर्मा', line1: 'कनॉट प्लेस', city: 'नई दिल्ली', postcode: '110001', country: 'IN' };
    const lines = (await extractLines(await packingSlipPdf(slip(shipTo)))).map(readLine);
    expect(lines).toContain('कनॉट प्लेस'); // no reordering in these syllables: exact
    expect(lines).toContain('राहुल शमार्'); // शर्मा: the reph (र्) is drawn after the syllable
    // Every character of the input comes back (in glyph order; the ToUnicode of shaped glyphs is approximate).
    const text = lines.join('');
    for (const ch of `${shipTo.name}${shipTo.city}`.replace(/\s/g, '')) expect(text).toContain(ch);
    expect(lines.join('\n')).not.toContain('?');
  });

  it('a sign WinAnsi lacks prints in Noto Sans (№); a symbol no slip font has (≥, an emoji) stays "?"', async () => {
    const lines = (await extractLines(await packingSlipPdf(slip({ name: 'Ada Lovelace', line1: 'Office № 5 ≥ 2', city: 'Berlin', postcode: '10115', country: 'DE' }, 'Tee 👕 black')))).map(readLine);
    expect(lines).toContain('Office № 5 ? 2');
    expect(lines.filter((l) => l.includes('Tee ? black'))).not.toEqual([]);
  });

  it('a retailer name in another script prints in the heading (bold falls back to the regular CJK face)', async () => {
    const lines = (await extractLines(await packingSlipPdf(slip(CASES[1]?.shipTo as Address, 'Mug', '北风商店')))).map(readLine);
    expect(lines[0]).toBe('北风商店');
  });
});

/** The embedded font programs of a PDF (FontFile2/FontFile3 streams) and their sizes. */
async function embeddedFonts(bytes: Uint8Array): Promise<{ readonly name: string; readonly bytes: number }[]> {
  const doc = await PDFDocument.load(bytes);
  const fonts: { name: string; bytes: number }[] = [];
  for (const [, object] of doc.context.enumerateIndirectObjects()) {
    if (!(object instanceof PDFDict) || object.get(PDFName.of('Type')) !== PDFName.of('FontDescriptor')) continue;
    for (const key of ['FontFile', 'FontFile2', 'FontFile3']) {
      const ref = object.get(PDFName.of(key));
      const stream = ref instanceof PDFRef ? doc.context.lookup(ref) : undefined;
      if (stream instanceof PDFRawStream || stream instanceof PDFStream) fonts.push({ name: String(object.get(PDFName.of('FontName'))), bytes: (stream as PDFRawStream).getContentsSize() });
    }
  }
  return fonts;
}

describe('fonts: subsets, only when needed, deterministic', () => {
  it('a Latin-only slip embeds no font file (standard Helvetica, as before)', async () => {
    expect(await embeddedFonts(await packingSlipPdf(slip({ name: 'Zoë Ørsted', line1: 'Invalidenstraße 117', city: 'Berlin', postcode: '10115', country: 'DE' })))).toEqual([]);
  });

  it('CJK, Arabic and Hebrew fonts are embedded as small subsets, each named without a random suffix', async () => {
    const bytes = await packingSlipPdf(slip({ name: '张伟 محمد דוד', line1: '朝阳区建国路88号', city: '北京市', postcode: '100022', country: 'CN' }));
    const fonts = await embeddedFonts(bytes);
    expect(fonts.map((f) => f.name).sort()).toEqual(['/NotoNaskhArabic-Regular', '/NotoSansHebrew-Regular', '/NotoSansSC_400Regular']);
    // The full CJK font file is 10.6 MB, the Arabic one 134 KB: only the glyphs used are embedded.
    for (const font of fonts) expect(font.bytes).toBeLessThan(60_000);
    expect(bytes.length).toBeLessThan(120_000);
  });

  it('the same Unicode slip gives the same bytes (a re-dispatch overwrites it with the same slip)', async () => {
    const input = slip({ name: '김민준 محمد عبد الله', line1: 'Οδός Ερμού 25', city: '서울특별시', postcode: '06236', country: 'KR' });
    expect(Buffer.from(await packingSlipPdf(input)).equals(Buffer.from(await packingSlipPdf(input)))).toBe(true);
  });
});

describe('font choice (domain/slip-fonts.ts)', () => {
  const all = () => true;
  it('Han characters take the font of the string (kana, hangul) or of the country', () => {
    expect(cjkFontFor('山田 太郎', 'CN')).toBe('sc');
    expect(cjkFontFor('山田 たろう', 'CN')).toBe('jp');
    expect(cjkFontFor('陳美玲', 'HK')).toBe('tc');
    expect(cjkFontFor('金 민준', undefined)).toBe('kr');
  });

  it('spaces and digits stay in the run of their neighbours; a character no font covers gets none', () => {
    expect(fontRuns('강남구 테헤란로 152', 'kr', all)).toEqual([{ font: 'kr', text: '강남구 테헤란로 152' }]);
    expect(fontRuns('Łódź 张伟', 'sc', all)).toEqual([
      { font: 'latin', text: 'Łódź ' },
      { font: 'sc', text: '张伟' },
    ]);
    expect(fontRuns('Tee 👕', 'sc', (_font, cp) => cp < 0x1f000)).toEqual([
      { font: 'latin', text: 'Tee ' },
      { font: undefined, text: '👕' },
    ]);
    // Fallback chain: a Han character the simplified font lacks takes the traditional one.
    expect(fontRuns('喆', 'sc', (font) => font !== 'sc')).toEqual([{ font: 'tc', text: '喆' }]);
  });
});

describe('font subsets draw the right glyphs (fontkit subset re-read, outline by outline)', () => {
  const SAMPLES: Readonly<Record<SlipFontId, string>> = {
    latin: 'Łukasz Wałęsa, Řehoř Nguyễn Thị Ánh, Οδός Ερμού 25, ул. Тверская 90-001',
    arabic: 'محمد عبد الله شارع الملك فهد',
    hebrew: 'דוד כהן רחוב הרצל',
    thai: 'สมชาย ใจดี ถนนสุขุมวิท',
    devanagari: 'राहुल शर्मा नई दिल्ली',
    sc: '张伟 朝阳区建国路88号 北京市',
    tc: '陳美玲 信義區信義路五段7號 臺北市',
    jp: '山田 太郎 千代田区丸の内1-9-2 オーガニックコットン',
    kr: '김민준 강남구 테헤란로 152 유기농 면 티셔츠',
  };

  async function subsetBytes(font: fontkit.Font, glyphs: readonly fontkit.Glyph[]): Promise<{ bytes: Uint8Array; ids: number[] }> {
    const subset = font.createSubset();
    const ids = glyphs.map((g) => subset.includeGlyph(g));
    const chunks: Uint8Array[] = [];
    const stream = subset.encodeStream();
    await new Promise<void>((resolve) => {
      stream.on('data', (chunk: Uint8Array) => chunks.push(chunk));
      stream.on('end', () => resolve());
    });
    return { bytes: Buffer.concat(chunks), ids };
  }

  it.each(Object.keys(SAMPLES) as SlipFontId[])('%s', async (id) => {
    const where = fontFilePath(SLIP_FONTS[id].regular);
    expect(where).toBeDefined();
    const font = fontkit.create(evenGlyphs(new Uint8Array(readFileSync(where ?? ''))));
    const glyphs = font.layout(SAMPLES[id]).glyphs;
    const { bytes, ids } = await subsetBytes(font, glyphs);
    const subset = fontkit.create(bytes);
    glyphs.forEach((glyph, i) => expect(subset.getGlyph(ids[i] ?? 0).path.toSVG(), `glyph ${glyph.id}`).toBe(glyph.path.toSVG()));
  });

  it('without the even-length fix, the Noto Sans subset loses its glyphs (the bug evenGlyphs works around)', async () => {
    const font = fontkit.create(new Uint8Array(readFileSync(fontFilePath(SLIP_FONTS.latin.regular) ?? '')));
    const glyphs = font.layout('Łukasz Wałęsa').glyphs;
    const { bytes, ids } = await subsetBytes(font, glyphs);
    const subset = fontkit.create(bytes);
    const same = glyphs.filter((glyph, i) => {
      try {
        return subset.getGlyph(ids[i] ?? 0).path.toSVG() === glyph.path.toSVG();
      } catch {
        return false;
      }
    });
    expect(same.length).toBeLessThan(glyphs.length);
  });
});
