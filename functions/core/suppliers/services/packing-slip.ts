/**
 * Packing slip PDFs with pdf-lib: one A4 document per fulfillment. Text WinAnsi can encode is printed
 * with the standard Helvetica fonts (no font file read); names, addresses and titles in any other script
 * with Unicode fonts embedded as subsets, right-to-left where needed (slip-fonts.ts). Content and branding rule:
 * suppliers/domain/packing-slip.ts. Deterministic for the same input (creation date = the purchase order's
 * issue time), so a re-dispatch overwrites the slip with the same document.
 *
 * Logos are embedded only from a data URL or from `s3://{files bucket}/branding/...` (no network);
 * any other logo, or one that cannot be read or decoded, is left out and the display name is printed.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { PDFDocument, StandardFonts, rgb, type Color, type PDFImage, type PDFPage } from 'pdf-lib';
import {
  MAX_LOGO_BYTES,
  packingSlipContent,
  wrapText,
  type LogoSource,
  type PackingSlipContent,
  type PackingSlipInput,
} from '../domain/packing-slip';
import { cjkFontFor } from '../domain/slip-fonts';
import type { TaskLogger } from '../../workflow/services/workflow-common';
import { SlipText, normalize } from './slip-fonts';

export interface LogoImage {
  readonly format: 'png' | 'jpeg';
  readonly bytes: Uint8Array;
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];
const JPEG_MAGIC = [0xff, 0xd8, 0xff];

function sniff(bytes: Uint8Array): 'png' | 'jpeg' | undefined {
  const starts = (magic: readonly number[]) => magic.every((b, i) => bytes[i] === b);
  if (starts(PNG_MAGIC)) return 'png';
  if (starts(JPEG_MAGIC)) return 'jpeg';
  return undefined;
}

/** The logo's bytes, or undefined (with a warning) when it cannot be used. Never throws. */
export async function loadLogo(
  source: LogoSource | undefined,
  deps: { readonly s3?: S3Client | undefined; readonly logger?: Pick<TaskLogger, 'warn'> | undefined },
): Promise<LogoImage | undefined> {
  if (source === undefined) return undefined;
  try {
    let bytes: Uint8Array;
    if (source.kind === 'data') {
      bytes = new Uint8Array(Buffer.from(source.base64, 'base64'));
    } else {
      if (deps.s3 === undefined) return undefined;
      const object = await deps.s3.send(new GetObjectCommand({ Bucket: source.bucket, Key: source.key }));
      if (object.ContentLength !== undefined && object.ContentLength > MAX_LOGO_BYTES) throw new Error('logo too large');
      if (object.Body === undefined) throw new Error('empty logo object');
      bytes = await object.Body.transformToByteArray();
    }
    if (bytes.byteLength > MAX_LOGO_BYTES) throw new Error('logo too large');
    const format = sniff(bytes);
    if (format === undefined) throw new Error('logo is neither PNG nor JPEG');
    return { format, bytes };
  } catch (error) {
    deps.logger?.warn('Packing slip logo not used', { source: source.kind, error: error instanceof Error ? error.message : 'unknown' });
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Layout

const PAGE: [number, number] = [595.28, 841.89]; // A4 portrait, points
const MARGIN = 50;
const CONTENT_WIDTH = PAGE[0] - 2 * MARGIN;
const BODY = 10;
const LEADING = 13;
const SKU_WIDTH = 140;
const QTY_WIDTH = 50;
const GAP = 12;
const TITLE_WIDTH = CONTENT_WIDTH - SKU_WIDTH - QTY_WIDTH - 2 * GAP;
/** Order facts on the left (wide enough for a fulfillment id on one line), ship-to on the right. */
const FACTS_WIDTH = Math.round(CONTENT_WIDTH * 0.58);
const FOOTER_Y = 30;
const BOTTOM = 60;
const INK = rgb(0.1, 0.1, 0.1);
const MUTED = rgb(0.4, 0.4, 0.4);
const RULE = rgb(0.75, 0.75, 0.75);

interface DrawStyle {
  readonly bold?: boolean;
  readonly size?: number;
  readonly color?: Color;
  readonly y?: number;
}

class SlipWriter {
  readonly pages: PDFPage[] = [];
  private page!: PDFPage;
  private y = 0;

  constructor(
    private readonly doc: PDFDocument,
    readonly slip: SlipText,
    private readonly onNewPage: (writer: SlipWriter) => void,
  ) {
    this.newPage(false);
  }

  newPage(continuation = true): void {
    this.page = this.doc.addPage(PAGE);
    this.pages.push(this.page);
    this.y = PAGE[1] - MARGIN;
    if (continuation) this.onNewPage(this);
  }

  /** Make room for `height` points, starting a new page when needed. */
  ensure(height: number): void {
    if (this.y - height < BOTTOM) this.newPage();
  }

  space(points: number): void {
    this.y -= points;
  }

  get cursor(): number {
    return this.y;
  }

  draw(value: string, x: number, style: DrawStyle = {}): void {
    const size = style.size ?? BODY;
    this.slip.draw(this.page, value, { x, y: style.y ?? this.y - size, size, bold: style.bold, color: style.color ?? INK });
  }

  width(value: string, bold = false, size = BODY): number {
    return this.slip.width(value, size, bold);
  }

  wrap(value: string, maxWidth: number, bold = false, size = BODY): string[] {
    return wrapText(normalize(value), maxWidth, (s) => this.slip.width(s, size, bold));
  }

  /** A paragraph wrapped to `maxWidth` at `x`, moving the cursor down line by line. */
  paragraph(value: string, x = MARGIN, maxWidth = CONTENT_WIDTH, bold = false, size = BODY): void {
    for (const line of this.wrap(value, maxWidth, bold, size)) {
      this.ensure(LEADING);
      this.draw(line, x, { bold, size });
      this.y -= LEADING;
    }
  }

  rule(): void {
    this.page.drawLine({ start: { x: MARGIN, y: this.y }, end: { x: PAGE[0] - MARGIN, y: this.y }, thickness: 0.6, color: RULE });
  }

  image(image: PDFImage, maxWidth: number, maxHeight: number): { readonly width: number; readonly height: number } {
    const scale = Math.min(maxWidth / image.width, maxHeight / image.height, 1);
    const width = image.width * scale;
    const height = image.height * scale;
    this.page.drawImage(image, { x: MARGIN, y: this.y - height, width, height });
    return { width, height };
  }
}

function tableHeader(writer: SlipWriter): void {
  writer.ensure(LEADING * 2);
  const x = MARGIN;
  writer.draw('Item no.', x, { bold: true });
  writer.draw('Description', x + SKU_WIDTH + GAP, { bold: true });
  const qty = 'Qty';
  writer.draw(qty, PAGE[0] - MARGIN - writer.width(qty, true), { bold: true });
  writer.space(LEADING + 2);
  writer.rule();
  writer.space(6);
}

/** Every string the slip prints (the fonts it needs are embedded before drawing). */
function printedTexts(content: PackingSlipContent): string[] {
  return [
    content.heading ?? '',
    content.title,
    ...content.facts.flat(),
    ...content.shipTo,
    ...content.lines.flatMap((l) => [l.supplierSku, l.title]),
    content.returnsHeading,
    content.returnInstructions,
  ];
}

// Long: sequential PDF drawing of one page layout (header, addresses, lines, footer).
/** Render the slip to PDF bytes. */
export async function renderPackingSlipPdf(
  content: PackingSlipContent,
  issuedAt: string,
  logo?: LogoImage,
  logger?: Pick<TaskLogger, 'warn'>,
): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  const standard = { regular: await doc.embedFont(StandardFonts.Helvetica), bold: await doc.embedFont(StandardFonts.HelveticaBold) };
  const texts = printedTexts(content);
  const slip = await SlipText.create(doc, standard, texts, [content.heading ?? ''], cjkFontFor(texts.join(' '), content.shipToCountry), logger);
  let inTable = false;
  const writer = new SlipWriter(doc, slip, (w) => {
    w.draw(`${content.title} - ${content.facts[0]?.[1] ?? ''} (continued)`, MARGIN, { color: MUTED });
    w.space(LEADING * 2);
    if (inTable) tableHeader(w);
  });

  doc.setTitle(normalize(content.documentTitle));
  doc.setSubject(normalize(content.title));
  doc.setCreator('dropship-order-pipeline');
  doc.setProducer('pdf-lib');
  doc.setCreationDate(new Date(issuedAt));
  doc.setModificationDate(new Date(issuedAt));

  // Header: the retailer's logo and name, or nothing at all (neutral).
  let image: PDFImage | undefined;
  if (logo !== undefined) {
    try {
      image = logo.format === 'png' ? await doc.embedPng(logo.bytes) : await doc.embedJpg(logo.bytes);
    } catch {
      image = undefined; // undecodable image: the display name carries the branding
    }
  }
  if (image !== undefined || content.heading !== undefined) {
    const top = writer.cursor;
    const box = image === undefined ? { width: 0, height: 0 } : writer.image(image, 160, 50);
    let headingHeight = 0;
    if (content.heading !== undefined) {
      const x = MARGIN + (box.width === 0 ? 0 : box.width + GAP);
      const lines = writer.wrap(content.heading, PAGE[0] - MARGIN - x, true, 16).slice(0, 2);
      lines.forEach((line, i) => writer.draw(line, x, { bold: true, size: 16, y: top - 16 - i * 19 }));
      headingHeight = lines.length * 19;
    }
    writer.space(Math.max(box.height, headingHeight) + 24);
  }

  writer.draw(content.title, MARGIN, { bold: true, size: 20 });
  writer.space(34);

  // Facts (left) and ship-to (right), side by side.
  const top = writer.cursor;
  const labelWidth = Math.max(...content.facts.map(([label]) => writer.width(`${label}:`, true))) + 8;
  const factsWidth = FACTS_WIDTH;
  for (const [label, value] of content.facts) {
    writer.draw(`${label}:`, MARGIN, { bold: true });
    const lines = writer.wrap(value, factsWidth - labelWidth);
    lines.forEach((line, i) => writer.draw(line, MARGIN + labelWidth, { y: writer.cursor - BODY - i * LEADING }));
    writer.space(LEADING * lines.length + 2);
  }
  const factsBottom = writer.cursor;
  const shipX = MARGIN + FACTS_WIDTH + GAP;
  const shipWidth = CONTENT_WIDTH - FACTS_WIDTH - GAP;
  let shipY = top;
  writer.draw('Ship to', shipX, { bold: true, y: shipY - BODY });
  shipY -= LEADING + 2;
  for (const line of content.shipTo) {
    for (const part of writer.wrap(line, shipWidth)) {
      writer.draw(part, shipX, { y: shipY - BODY });
      shipY -= LEADING;
    }
  }
  writer.space(writer.cursor - Math.min(factsBottom, shipY) + 24);

  // Lines.
  inTable = true;
  tableHeader(writer);
  for (const line of content.lines) {
    const sku = writer.wrap(line.supplierSku, SKU_WIDTH);
    const title = writer.wrap(line.title, TITLE_WIDTH);
    const rows = Math.max(sku.length, title.length);
    writer.ensure(rows * LEADING + 6);
    const rowTop = writer.cursor;
    sku.forEach((s, i) => writer.draw(s, MARGIN, { y: rowTop - BODY - i * LEADING }));
    title.forEach((t, i) => writer.draw(t, MARGIN + SKU_WIDTH + GAP, { y: rowTop - BODY - i * LEADING }));
    const qty = String(line.quantity);
    writer.draw(qty, PAGE[0] - MARGIN - writer.width(qty), { y: rowTop - BODY });
    writer.space(rows * LEADING + 4);
  }
  inTable = false;
  writer.ensure(LEADING * 2);
  writer.rule();
  writer.space(6);
  const total = `Total units: ${content.totalUnits}`;
  writer.draw(total, PAGE[0] - MARGIN - writer.width(total, true), { bold: true });
  writer.space(LEADING * 3);

  // Returns.
  writer.ensure(LEADING * 3);
  writer.draw(content.returnsHeading, MARGIN, { bold: true, size: 12 });
  writer.space(LEADING + 6);
  writer.paragraph(content.returnInstructions);

  // Footer on every page.
  const orderRef = content.facts[0]?.[1] ?? '';
  writer.pages.forEach((page, i) => {
    slip.draw(page, `Order ${orderRef} - page ${i + 1} of ${writer.pages.length}`, { x: MARGIN, y: FOOTER_Y, size: 8, color: MUTED });
  });

  return doc.save({ useObjectStreams: false });
}

/** Content + logo + PDF in one call. */
export async function packingSlipPdf(
  input: PackingSlipInput,
  deps: { readonly s3?: S3Client | undefined; readonly logger?: Pick<TaskLogger, 'warn'> | undefined } = {},
): Promise<Uint8Array> {
  const content = packingSlipContent(input);
  const logo = await loadLogo(content.logo, deps);
  return renderPackingSlipPdf(content, input.issuedAt, logo, deps.logger);
}
