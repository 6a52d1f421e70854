/**
 * Reads a PDF back for assertions: pdf-lib parses the file (a real structural check: header, xref,
 * trailer, page tree), then each page's content streams are inflated with node:zlib (independently of
 * the writer) and the text-showing operators (`Tj`, `TJ`) are decoded from WinAnsi (windows-1252).
 * Each page becomes the list of strings it shows, in drawing order.
 */
import { inflateSync } from 'node:zlib';
import { PDFArray, PDFDocument, PDFName, PDFRawStream, type PDFObject } from 'pdf-lib';

/**
 * WinAnsiEncoding (PDF 32000 Annex D): Latin-1 plus these characters in 0x80-0x9F. Written out because
 * Node 20's TextDecoder('windows-1252') decodes that range as Latin-1 control characters.
 */
const WIN_ANSI_HIGH: Readonly<Record<number, string>> = {
  0x80: '€', 0x82: '‚', 0x83: 'ƒ', 0x84: '„', 0x85: '…', 0x86: '†', 0x87: '‡', 0x88: 'ˆ', 0x89: '‰', 0x8a: 'Š', 0x8b: '‹', 0x8c: 'Œ',
  0x8e: 'Ž', 0x91: '‘', 0x92: '’', 0x93: '“', 0x94: '”', 0x95: '•', 0x96: '–', 0x97: '—', 0x98: '˜', 0x99: '™', 0x9a: 'š', 0x9b: '›',
  0x9c: 'œ', 0x9e: 'ž', 0x9f: 'Ÿ',
};
const winAnsi = {
  decode: (bytes: Uint8Array): string => [...bytes].map((b) => WIN_ANSI_HIGH[b] ?? String.fromCharCode(b)).join(''),
};

function streamBytes(stream: PDFRawStream): Uint8Array {
  const filter = stream.dict.get(PDFName.of('Filter'));
  const contents = stream.getContents();
  if (filter === undefined) return contents;
  if (filter === PDFName.of('FlateDecode')) return inflateSync(contents);
  throw new Error(`unexpected content stream filter ${String(filter)}`);
}

function hexToText(hex: string): string {
  const clean = hex.replace(/\s+/g, '');
  const bytes = new Uint8Array(Math.ceil(clean.length / 2));
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2).padEnd(2, '0'), 16);
  return winAnsi.decode(bytes);
}

function literalToText(literal: string): string {
  const out: number[] = [];
  for (let i = 0; i < literal.length; i++) {
    const ch = literal[i] as string;
    if (ch !== '\\') {
      out.push(ch.charCodeAt(0));
      continue;
    }
    const next = literal[++i] ?? '';
    const octal = /^[0-7]{1,3}/.exec(literal.slice(i));
    if (octal !== null) {
      out.push(Number.parseInt(octal[0], 8));
      i += octal[0].length - 1;
    } else {
      out.push(({ n: 10, r: 13, t: 9, b: 8, f: 12 } as Record<string, number>)[next] ?? next.charCodeAt(0));
    }
  }
  return winAnsi.decode(new Uint8Array(out));
}

/** Strings shown by `<hex> Tj`, `(literal) Tj` and `[...] TJ` operators, in order. */
export function textOperators(content: string): string[] {
  const shown: string[] = [];
  const re = /<([0-9A-Fa-f\s]*)>\s*Tj|\(((?:\\.|[^\\)])*)\)\s*Tj|\[((?:[^\]])*)\]\s*TJ/g;
  for (const m of content.matchAll(re)) {
    if (m[1] !== undefined) shown.push(hexToText(m[1]));
    else if (m[2] !== undefined) shown.push(literalToText(m[2]));
    else if (m[3] !== undefined) {
      const parts = [...m[3].matchAll(/<([0-9A-Fa-f\s]*)>|\(((?:\\.|[^\\)])*)\)/g)].map((p) => (p[1] !== undefined ? hexToText(p[1]) : literalToText(p[2] ?? '')));
      shown.push(parts.join(''));
    }
  }
  return shown;
}

export interface ParsedPdf {
  readonly doc: PDFDocument;
  /** Text shown per page, in drawing order. */
  readonly pages: readonly string[][];
  /** Every shown string of the document joined by newlines (for `toContain`). */
  readonly text: string;
}

export async function readPdf(bytes: Uint8Array): Promise<ParsedPdf> {
  const header = Buffer.from(bytes.subarray(0, 8)).toString('latin1');
  if (!header.startsWith('%PDF-1.')) throw new Error(`not a PDF header: ${header}`);
  if (!Buffer.from(bytes.subarray(-16)).toString('latin1').includes('%%EOF')) throw new Error('no %%EOF trailer');
  const doc = await PDFDocument.load(bytes, { throwOnInvalidObject: true, updateMetadata: false });
  const pages = doc.getPages().map((page) => {
    const contents: PDFObject | undefined = page.node.Contents();
    const refs: PDFObject[] = contents instanceof PDFArray ? contents.asArray() : contents === undefined ? [] : [contents];
    const streams = refs.map((ref) => doc.context.lookup(ref));
    return streams.flatMap((stream) => {
      if (!(stream instanceof PDFRawStream)) throw new Error('content stream is not a raw stream');
      return textOperators(Buffer.from(streamBytes(stream)).toString('latin1'));
    });
  });
  return { doc, pages, text: pages.map((p) => p.join('\n')).join('\n') };
}
