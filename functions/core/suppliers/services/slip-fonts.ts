/**
 * The packing slip's text in any script: Helvetica for what WinAnsi encodes (no font file read, the same
 * bytes as a Latin-only slip always had), Unicode fonts (suppliers/domain/slip-fonts.ts) for the rest,
 * embedded as subsets (only the glyphs the slip uses), and right-to-left text (Arabic, Hebrew) laid out
 * with the Unicode bidirectional algorithm (bidi-js): each line is cut into runs of one font and one
 * direction, the runs are placed in visual order, and fontkit shapes each run (Arabic joining forms) and
 * gives its glyphs right to left when the run's script is.
 *
 * Font files are read lazily, once per process (a warm Lambda keeps them), from the `fonts/` folder next
 * to the bundle (lib/bundling copies them there) or, when running from source (tests, tsx), from the npm
 * packages in node_modules. A font that cannot be read is left out with a warning: its characters are
 * then printed as the standard font can (sanitizeForFont), the slip is never failed for a font.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as FontkitModule from '@pdf-lib/fontkit';
import bidiFactory from 'bidi-js';
import type { Color, PDFDocument, PDFFont, PDFPage } from 'pdf-lib';
import { sanitizeForFont } from '../domain/packing-slip';
import {
  FONTKIT_MODULE,
  SLIP_FONTS,
  SLIP_FONT_DIR,
  fontChain,
  fontRuns,
  isNeutral,
  slipFontFileName,
  type CjkFont,
  type SlipFontFile,
  type SlipFontId,
} from '../domain/slip-fonts';
import type { TaskLogger } from '../../workflow/services/workflow-common';

interface LoadedFont {
  readonly bytes: Uint8Array;
  readonly has: (codePoint: number) => boolean;
}

/** Each loaded font parsed once, reused by every slip of a warm process (parsing a CJK font costs 100-400 ms). */
const parsedFonts = new WeakMap<Uint8Array, FontkitModule.Font>();

const loaded = new Map<string, Promise<LoadedFont | undefined>>();

/**
 * A parsed font with an empty glyph cache, for one document. fontkit keeps one glyph object per glyph id
 * with the characters of its first use, and pdf-lib writes the ToUnicode map from them: a glyph shared by
 * two characters (Latin O and Greek Ο) must take the characters of THIS slip, not of an earlier one.
 * The parsed tables (the costly part) stay shared.
 */
function freshGlyphs(font: FontkitModule.Font | undefined): FontkitModule.Font | undefined {
  if (font !== undefined) (font as unknown as { _glyphs: Record<number, unknown> })._glyphs = {};
  return font;
}

type Fontkit = typeof FontkitModule;
let fontkitModule: Promise<Fontkit> | undefined;
/** The package names, not literal imports: esbuild leaves these imports out of the bundle (lib/bundling/assets.ts). */
const FONTKIT_PACKAGE: string = '@pdf-lib/fontkit';
const REGENERATOR_PACKAGE: string = 'regenerator-runtime';

/**
 * fontkit, imported on first use: the module next to the bundle, else the package (running from source). fontkit's
 * Indic/Universal shapers (Devanagari) run babel-compiled generators that expect a global regeneratorRuntime: the
 * bundled module installs it first (lib/bundling/assets.ts), from source it is imported here.
 */
function loadFontkit(): Promise<Fontkit> {
  fontkitModule ??= (async () => {
    const bundled = path.join(path.dirname(fileURLToPath(import.meta.url)), SLIP_FONT_DIR, FONTKIT_MODULE);
    if (!existsSync(bundled)) await import(REGENERATOR_PACKAGE);
    const module = (await import(existsSync(bundled) ? pathToFileURL(bundled).href : FONTKIT_PACKAGE)) as { readonly default: Fontkit };
    return module.default;
  })();
  return fontkitModule;
}

/** Where a font file is: next to the bundle, else in node_modules (running from source). */
export function fontFilePath(file: SlipFontFile, from = path.dirname(fileURLToPath(import.meta.url))): string | undefined {
  const candidates = [path.join(from, SLIP_FONT_DIR, slipFontFileName(file))];
  for (let dir = from; ; dir = path.dirname(dir)) {
    candidates.push(path.join(dir, 'node_modules', file.pkg, file.path));
    if (path.dirname(dir) === dir) break;
  }
  return candidates.find((p) => existsSync(p));
}

function loadFont(file: SlipFontFile, logger: Pick<TaskLogger, 'warn'> | undefined): Promise<LoadedFont | undefined> {
  const key = `${file.pkg}/${file.path}`;
  let promise = loaded.get(key);
  if (promise === undefined) {
    promise = (async () => {
      try {
        const where = fontFilePath(file);
        if (where === undefined) throw new Error('font file not found');
        const bytes = evenGlyphs(new Uint8Array(await readFile(where)));
        const font = (await loadFontkit()).create(bytes);
        parsedFonts.set(bytes, font);
        return { bytes, has: (cp: number) => font.hasGlyphForCodePoint(cp) };
      } catch (error) {
        // Logged once: the answer (no such font) stays for the process, as a missing file stays missing.
        logger?.warn('Packing slip font not available', { font: slipFontFileName(file), error: error instanceof Error ? error.message : 'unknown' });
        return undefined;
      }
    })();
    loaded.set(key, promise);
  }
  return promise;
}

/**
 * fontkit's TrueType subsetter writes a short `loca` (offsets / 2) whenever the subset is small, which
 * silently corrupts every glyph after one of odd length (Noto Sans has many: the slip showed blank
 * letters). Give each glyph an even length (a zero pad byte, which no glyph reads) in a rewritten `glyf`
 * with a long `loca`, both appended to the font; other tables are untouched. Fonts without `glyf`
 * (CFF) or without odd glyphs are returned as they are.
 */
export function evenGlyphs(font: Uint8Array): Uint8Array {
  const view = new DataView(font.buffer, font.byteOffset, font.byteLength);
  const tables = new Map<string, { record: number; offset: number; length: number }>();
  const count = view.getUint16(4);
  for (let i = 0; i < count; i++) {
    const record = 12 + i * 16;
    const tag = String.fromCharCode(...font.subarray(record, record + 4));
    tables.set(tag, { record, offset: view.getUint32(record + 8), length: view.getUint32(record + 12) });
  }
  const glyf = tables.get('glyf');
  const loca = tables.get('loca');
  const head = tables.get('head');
  const maxp = tables.get('maxp');
  if (glyf === undefined || loca === undefined || head === undefined || maxp === undefined) return font;
  const long = view.getInt16(head.offset + 50) === 1;
  const glyphs = view.getUint16(maxp.offset + 4);
  const at = (i: number) => (long ? view.getUint32(loca.offset + i * 4) : view.getUint16(loca.offset + i * 2) * 2);
  const offsets = Array.from({ length: glyphs + 1 }, (_, i) => at(i));
  if (offsets.every((o, i) => i === 0 || (o - (offsets[i - 1] ?? 0)) % 2 === 0)) return font;
  const parts: Uint8Array[] = [];
  const newOffsets = [0];
  let size = 0;
  for (let i = 0; i < glyphs; i++) {
    const start = offsets[i] ?? 0;
    const length = (offsets[i + 1] ?? start) - start;
    parts.push(font.subarray(glyf.offset + start, glyf.offset + start + length));
    size += length;
    if (length % 2 === 1) {
      parts.push(new Uint8Array(1));
      size += 1;
    }
    newOffsets.push(size);
  }
  const align = (n: number) => (n + 3) & ~3;
  const glyfAt = align(font.byteLength);
  const locaAt = align(glyfAt + size);
  const out = new Uint8Array(locaAt + newOffsets.length * 4);
  out.set(font);
  let cursor = glyfAt;
  for (const part of parts) {
    out.set(part, cursor);
    cursor += part.length;
  }
  const outView = new DataView(out.buffer);
  newOffsets.forEach((o, i) => outView.setUint32(locaAt + i * 4, o));
  outView.setUint32(glyf.record + 8, glyfAt);
  outView.setUint32(glyf.record + 12, size);
  outView.setUint32(loca.record + 8, locaAt);
  outView.setUint32(loca.record + 12, newOffsets.length * 4);
  outView.setInt16(head.offset + 50, 1);
  return out;
}

/** bidi-js builds its Unicode tables when created: only when a slip has right-to-left text. */
let bidiInstance: ReturnType<typeof bidiFactory> | undefined;
const bidi = (): ReturnType<typeof bidiFactory> => (bidiInstance ??= bidiFactory());
const RTL = /[\p{Script=Arabic}\p{Script=Hebrew}]/u;

/** Control characters to spaces, runs of spaces collapsed (what every printed string goes through). */
export function normalize(text: string): string {
  return sanitizeForFont(text, () => true);
}

interface Piece {
  readonly text: string;
  readonly font: PDFFont;
}

export interface DrawOptions {
  readonly x: number;
  readonly y: number;
  readonly size: number;
  readonly bold?: boolean | undefined;
  readonly color: Color;
}

/** The fonts of one slip: measure and draw any string. */
export class SlipText {
  private readonly standardSet: ReadonlySet<number>;

  private constructor(
    private readonly standard: { readonly regular: PDFFont; readonly bold: PDFFont },
    private readonly unicode: ReadonlyMap<SlipFontId, { readonly regular: PDFFont; readonly bold: PDFFont; readonly has: (cp: number) => boolean }>,
    private readonly cjk: CjkFont,
  ) {
    const regularSet = new Set(standard.regular.getCharacterSet());
    this.standardSet = new Set(standard.bold.getCharacterSet().filter((cp) => regularSet.has(cp)));
  }

  /**
   * Embed what `texts` (every string the slip prints) need: Helvetica always, and, only for strings
   * WinAnsi cannot encode, the Unicode fonts their characters take (subsets, written when the PDF is saved).
   */
  static async create(
    doc: PDFDocument,
    standard: { readonly regular: PDFFont; readonly bold: PDFFont },
    texts: readonly string[],
    boldTexts: readonly string[],
    cjk: CjkFont,
    logger?: Pick<TaskLogger, 'warn'>,
  ): Promise<SlipText> {
    const plain = new SlipText(standard, new Map(), cjk);
    const unicodeTexts = texts.map(normalize).filter((t) => plain.needsUnicode(t));
    if (unicodeTexts.length === 0) return plain;
    // Load, for each character, the fonts of its chain up to the first that has it.
    const available = new Map<SlipFontId, LoadedFont>();
    const tried = new Set<SlipFontId>();
    for (const text of unicodeTexts) {
      for (const ch of new Set(text)) {
        const cp = ch.codePointAt(0) ?? 0;
        // A space, digit or punctuation Helvetica has takes its neighbours' font (or Helvetica): no file read for it.
        if (isNeutral(ch) && plain.standardSet.has(cp)) continue;
        for (const id of fontChain(ch, cjk)) {
          if (!tried.has(id)) {
            tried.add(id);
            const font = await loadFont(SLIP_FONTS[id].regular, logger);
            if (font !== undefined) available.set(id, font);
          }
          if (available.get(id)?.has(cp) === true) break;
        }
      }
    }
    const covers = (id: SlipFontId, cp: number) => available.get(id)?.has(cp) === true;
    const fontsOf = (list: readonly string[]) => new Set(list.flatMap((text) => fontRuns(normalize(text), cjk, covers).flatMap((run) => (run.font === undefined ? [] : [run.font]))));
    const used = fontsOf(unicodeTexts);
    const usedBold = fontsOf(boldTexts.filter((t) => plain.needsUnicode(normalize(t))));
    const unicode = new Map<SlipFontId, { regular: PDFFont; bold: PDFFont; has: (cp: number) => boolean }>();
    const kit = await loadFontkit();
    // pdf-lib parses the bytes it embeds: hand it the font parsed when it was loaded (a fresh subset per slip).
    doc.registerFontkit({ create: (bytes: Uint8Array, postscriptName?: string) => freshGlyphs(parsedFonts.get(bytes)) ?? kit.create(bytes, postscriptName) });
    for (const id of [...used].sort()) {
      const face = SLIP_FONTS[id];
      const font = available.get(id);
      if (font === undefined) continue;
      // A fixed name (no random suffix): the same slip gives the same bytes.
      const name = (file: SlipFontFile) => slipFontFileName(file).replace(/\.[a-z]+$/, '');
      // Latin: no glyph composition/decomposition (ccmp): fontkit would split "ị" into "i" + a combining dot
      // and the shared "i" glyph would then map to "ị" in the ToUnicode table (wrong extracted text).
      const features = id === 'latin' ? { ccmp: false } : undefined;
      const regular = await doc.embedFont(font.bytes, { subset: true, customName: name(face.regular), features });
      // The bold face only when bold text (the retailer's name) needs this font.
      const boldFile = face.bold === undefined || !usedBold.has(id) ? undefined : await loadFont(face.bold, logger);
      const bold = boldFile === undefined || face.bold === undefined ? regular : await doc.embedFont(boldFile.bytes, { subset: true, customName: name(face.bold), features });
      unicode.set(id, { regular, bold, has: font.has });
    }
    return new SlipText(standard, unicode, cjk);
  }

  /** True when `text` has a character Helvetica cannot encode and some font of the slip could print. */
  private needsUnicode(text: string): boolean {
    for (const ch of text) {
      if (this.standardSet.has(ch.codePointAt(0) ?? 0)) continue;
      const chain = fontChain(ch, this.cjk);
      if (this.unicode.size === 0 ? chain.length > 0 : chain.some((id) => this.unicode.get(id)?.has(ch.codePointAt(0) ?? 0) === true)) return true;
    }
    return false;
  }

  /** The string as drawn: runs of one font, in visual order (left to right). */
  pieces(value: string, bold = false): Piece[] {
    const text = normalize(value);
    const std = bold ? this.standard.bold : this.standard.regular;
    if (this.unicode.size === 0 || !this.needsUnicode(text)) {
      return [{ text: sanitizeForFont(text, (cp) => this.standardSet.has(cp)), font: std }];
    }
    const covers = (id: SlipFontId, cp: number) => this.unicode.get(id)?.has(cp) === true;
    const runs = fontRuns(text, this.cjk, covers).map((run) => {
      const face = run.font === undefined ? undefined : this.unicode.get(run.font);
      if (face === undefined) return { text: sanitizeForFont(run.text, (cp) => this.standardSet.has(cp)), font: std };
      return { text: run.text, font: bold ? face.bold : face.regular };
    });
    return RTL.test(text) ? visualOrder(text, runs) : runs;
  }

  width(value: string, size: number, bold = false): number {
    return this.pieces(value, bold).reduce((w, p) => w + p.font.widthOfTextAtSize(p.text, size), 0);
  }

  draw(page: PDFPage, value: string, options: DrawOptions): void {
    let x = options.x;
    for (const piece of this.pieces(value, options.bold)) {
      if (RTL.test(piece.text)) visualLigatures(piece.font, piece.text);
      page.drawText(piece.text, { x, y: options.y, size: options.size, font: piece.font, color: options.color });
      x += piece.font.widthOfTextAtSize(piece.text, options.size);
    }
  }
}

interface LaidOutGlyph {
  codePoints: number[];
}
const reversedLigatures = new WeakSet<LaidOutGlyph>();

/**
 * The content stream holds a right-to-left run in visual order, and text extraction (pdf.js, Acrobat,
 * poppler) reads such a run backwards to get the logical text; a ligature glyph (Arabic lam-alef, the
 * Allah ligature) must then map to its characters in visual order too, or they come back reversed
 * ("اهلل" for "الله"). pdf-lib writes the ToUnicode map from the glyphs fontkit laid out (one shared
 * object per glyph id): lay the run out once and reverse each ligature's code points, once.
 */
function visualLigatures(font: PDFFont, text: string): void {
  const inner = (font as unknown as { embedder?: { font?: { layout?: (t: string) => { glyphs: LaidOutGlyph[] } } } }).embedder?.font;
  if (inner?.layout === undefined) return;
  for (const glyph of inner.layout(text).glyphs) {
    if (glyph.codePoints.length > 1 && !reversedLigatures.has(glyph)) {
      glyph.codePoints.reverse();
      reversedLigatures.add(glyph);
    }
  }
}

/**
 * Bidi layout of one line: the font runs cut again where the embedding level changes, then placed in
 * visual order (UAX #9, rule L2: from the highest level down to the lowest odd one, reverse every
 * sequence of pieces at that level or higher). A right-to-left piece of an RTL script keeps its logical
 * order (fontkit gives its glyphs right to left); a right-to-left piece of neutrals only (a " - " between
 * two Arabic words) is reversed here, mirrored characters swapped.
 */
function visualOrder(text: string, runs: readonly Piece[]): Piece[] {
  const { levels } = bidi().getEmbeddingLevels(text);
  const split: { text: string; font: PDFFont; level: number }[] = [];
  let index = 0;
  for (const run of runs) {
    for (const ch of run.text) {
      const level = levels[index] ?? 0;
      index += ch.length;
      const last = split[split.length - 1];
      if (last !== undefined && last.font === run.font && last.level === level) last.text += ch;
      else split.push({ text: ch, font: run.font, level });
    }
  }
  const max = Math.max(...split.map((p) => p.level));
  const minOdd = Math.min(...split.map((p) => p.level).filter((l) => l % 2 === 1));
  for (let level = max; level >= minOdd; level--) {
    for (let i = 0; i < split.length; i++) {
      if ((split[i]?.level ?? 0) < level) continue;
      let j = i;
      while (j + 1 < split.length && (split[j + 1]?.level ?? 0) >= level) j++;
      split.splice(i, j - i + 1, ...split.slice(i, j + 1).reverse());
      i = j;
    }
  }
  return split.map((p) => {
    if (p.level % 2 === 0 || RTL.test(p.text)) return { text: p.text, font: p.font };
    const reversed = [...p.text].reverse().map((ch) => bidi().getMirroredCharacter(ch) ?? ch);
    return { text: reversed.join(''), font: p.font };
  });
}
