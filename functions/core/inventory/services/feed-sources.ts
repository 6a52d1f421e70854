/** Inventory feed sources: a CSV (delimiter sniffed, header aliases) or JSON feed body read as rows, with a byte limit. */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { csvRecordToInput, resolveHeaders, type HeaderResolution } from '../domain/feed-headers';
import type { Supplier } from '../../suppliers/domain/supplier';
import { InventoryFeedFileEnvelope } from '../schemas/inventory';
import { type FeedTuning, type FeedBody, FeedFormatError } from './feed-types';

// ------------------------------------------------------------------------------------------ sources

interface SourceRecord {
  readonly row: number;
  readonly input: unknown;
}

export interface FeedSource {
  readonly header: HeaderResolution | undefined;
  /** One pass over the data rows (callable several times). */
  records(): AsyncIterable<SourceRecord>;
  close(): Promise<void>;
}

function bodyStream(body: FeedBody): Promise<Readable> {
  return Promise.resolve(typeof body === 'function' ? body() : body);
}

class ByteLimit extends Transform {
  private seen = 0;
  constructor(
    private readonly limit: number,
    private readonly what: string,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) callback(new FeedFormatError(`the ${this.what} is larger than ${Math.round(this.limit / 1_048_576)} MiB`));
    else callback(null, chunk);
  }
}

/** Guess the delimiter from the header line: `,` unless `;` or a tab is clearly what separates it. */
export function sniffDelimiter(firstLine: string): ',' | ';' | '\t' {
  const unquoted = firstLine.replace(/"[^"]*"/g, '');
  const count = (c: string): number => unquoted.split(c).length - 1;
  const [comma, semicolon, tab] = [count(','), count(';'), count('\t')];
  if (semicolon > comma && semicolon >= tab) return ';';
  if (tab > comma && tab > semicolon) return '\t';
  return ',';
}

/**
 * The records of a CSV file with their spreadsheet row numbers. Not `skip_empty_lines` + `info`:
 * csv-parse's per-record info snapshot costs ~5x the parse itself, and without skipping, every
 * record (a blank line included, a multi-line quoted cell being one record) is exactly one spreadsheet
 * row, so the row number is the record's position. Blank records are skipped here instead.
 */
async function* csvEntries(file: string, delimiter: string): AsyncGenerator<{ row: number; cells: string[] }> {
  const input = createReadStream(file);
  const parser = parse({ bom: true, relax_column_count: true, trim: true, delimiter, max_record_size: 1_048_576 });
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);
  let row = 0;
  try {
    for await (const record of parser as AsyncIterable<unknown>) {
      row++;
      if (!Array.isArray(record)) continue;
      const cells = record as string[];
      // A blank line, or a record of empty cells only (",,,," lines spreadsheets leave behind).
      if (cells.every((cell) => cell === '')) continue;
      yield { row, cells };
    }
  } catch (error) {
    if (error instanceof FeedFormatError) throw error;
    const code = typeof (error as { code?: unknown }).code === 'string' ? `${(error as { code: string }).code}: ` : '';
    throw new FeedFormatError(`not a readable CSV file (${code}${error instanceof Error ? error.message : String(error)})`, { cause: error });
  } finally {
    input.destroy();
    parser.destroy();
  }
}

export async function openCsvSource(body: FeedBody, tuning: FeedTuning | undefined, aliases: Supplier['files']): Promise<FeedSource> {
  const dir = await mkdtemp(path.join(tuning?.tmpDir ?? tmpdir(), 'feed-'));
  const file = path.join(dir, `${randomUUID()}.csv`);
  const close = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    await pipeline(await bodyStream(body), new ByteLimit(tuning?.maxCsvBytes ?? 512 * 1_048_576, 'file'), createWriteStream(file));
    const handle = await open(file, 'r');
    let head: string;
    try {
      const buffer = Buffer.alloc(65_536);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      head = buffer.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '');
    } finally {
      await handle.close();
    }
    const delimiter = sniffDelimiter(head.split(/\r?\n/, 1)[0] ?? '');
    let header: HeaderResolution | undefined;
    for await (const first of csvEntries(file, delimiter)) {
      header = resolveHeaders(first.cells, aliases?.headerAliases);
      break;
    }
    if (header === undefined) throw new FeedFormatError('the file is empty');
    const resolved = header;
    return {
      header: resolved,
      async *records() {
        let skippedHeader = false;
        for await (const entry of csvEntries(file, delimiter)) {
          if (!skippedHeader) {
            skippedHeader = true;
            continue;
          }
          yield { row: entry.row, input: csvRecordToInput(entry.cells, resolved.columns) };
        }
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

export async function openJsonSource(body: FeedBody, tuning: FeedTuning | undefined): Promise<FeedSource> {
  const chunks: Buffer[] = [];
  const limit = new ByteLimit(tuning?.maxJsonBytes ?? 64 * 1_048_576, 'JSON feed (use CSV for larger feeds)');
  await pipeline(await bodyStream(body), limit, async function* (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) chunks.push(chunk);
    yield* [];
  });
  const text = Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, '');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FeedFormatError(`not valid JSON (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  const envelope = InventoryFeedFileEnvelope.safeParse(json);
  if (!envelope.success) throw new FeedFormatError('a JSON feed is { "items": [ ... ] } or an array of rows');
  const items = Array.isArray(envelope.data) ? envelope.data : envelope.data.items;
  return {
    header: undefined,
    async *records() {
      for (let i = 0; i < items.length; i++) yield { row: i + 1, input: items[i] };
    },
    close: async () => undefined,
  };
}
