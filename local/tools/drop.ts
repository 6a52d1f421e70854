/**
 * `npm run drop -- <file> --supplier <id> [options]`: drop a file into a supplier's inbox on the running
 * local stack, as the supplier would (signed as the supplier's own access role), then wait for its
 * outcome and print the summary and where the rejected-row report is.
 *
 *   npm run drop -- feed.csv --supplier nordic-home                 an inventory feed (CSV or JSON)
 *   npm run drop -- track.csv --supplier atlantic --kind tracking    a tracking file (unique id prefixes work)
 *   npm run drop -- acks.csv --supplier atlantic-outfitters --kind acknowledgements
 *   npm run drop -- returns.csv --supplier atlantic --kind returns          answers to return requests
 *
 * Options: --kind inventory|tracking|acknowledgements|returns (default inventory), --name <object name> (default
 * the file's name), --as <supplierId> (sign as another supplier: the handler refuses the file),
 * --timeout <seconds> (default 120), --no-wait (upload only), --data-dir <dir> (default .local/).
 *
 * The file goes to `s3://<bucket>/suppliers/<id>/inbox/<kind>/<name>` (endpoints.json `s3.bucket`,
 * `suppliers[].inbox`); files over 8 MiB are sent as a multipart upload with a progress bar. The outcome
 * is the supplier file record (`FILE#<supplierId>` / `<KIND>#<key>#<etag>`) polled in DynamoDB Local
 * until it leaves PROCESSING. The same name with the same content is a replay: the stack recognizes it
 * and changes nothing (the previous outcome is printed). Exit code 0 when the file was applied.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, GetObjectCommand, PutObjectCommand, UploadPartCommand, type S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../functions/core/runtime/table/keys';
import { liveEndpoints, NotRunningError } from './executions';
import { progressBar } from './progress';
import { REPO_ROOT, type LocalEndpoints } from '../runtime/runtime';
import { localS3Client } from '../emulators/s3/s3';
import { supplierAccessKeyId } from '../emulators/s3/notifications';
import { INBOX_KIND_FOLDERS, RECORD_KIND, type InboxKind } from './supplier-files';

/** Above this, the upload is multipart (the local S3 takes at most 11 MiB per request). */
export const MULTIPART_THRESHOLD = 8 * 1024 * 1024;
export const PART_SIZE = 5 * 1024 * 1024;

class UsageError extends Error {}

export interface DropArgs {
  readonly file: string;
  readonly supplier: string;
  readonly kind: InboxKind;
  readonly name?: string;
  readonly as?: string;
  readonly timeoutSeconds: number;
  readonly wait: boolean;
  readonly dataDir: string;
}

export function parseDropArgs(argv: readonly string[], cwd = process.cwd()): DropArgs {
  const values = new Map<string, string>();
  const positional: string[] = [];
  let wait = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [flag, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    if (flag === 'no-wait') {
      wait = false;
      continue;
    }
    if (!['supplier', 'kind', 'name', 'as', 'timeout', 'data-dir'].includes(flag)) throw new UsageError(`Unknown option --${flag}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${flag} needs a value`);
    values.set(flag, value);
  }
  const file = positional[0];
  if (file === undefined || positional.length > 1) throw new UsageError('usage: npm run drop -- <file> --supplier <id> [--kind inventory|tracking|acknowledgements|returns]');
  const supplier = values.get('supplier');
  if (supplier === undefined) throw new UsageError('--supplier <id> is required (endpoints.json suppliers[].id)');
  const kind = values.get('kind') ?? 'inventory';
  if (!(kind in INBOX_KIND_FOLDERS)) throw new UsageError(`--kind must be one of ${Object.keys(INBOX_KIND_FOLDERS).join(', ')}, got "${kind}"`);
  const timeoutSeconds = Number(values.get('timeout') ?? '120');
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new UsageError('--timeout must be a number of seconds');
  const name = values.get('name');
  if (name !== undefined && (name === '' || name.includes('/'))) throw new UsageError('--name must be a file name without "/"');
  const as = values.get('as');
  return {
    file: path.resolve(cwd, file),
    supplier,
    kind: kind as InboxKind,
    ...(name === undefined ? {} : { name }),
    ...(as === undefined ? {} : { as }),
    timeoutSeconds,
    wait,
    dataDir: path.resolve(values.get('data-dir') ?? process.env['DROPSHIP_DATA_DIR'] ?? path.join(REPO_ROOT, '.local')),
  };
}

/** A supplier by id, else by a unique prefix or substring of its id. */
export function resolveSupplier(suppliers: LocalEndpoints['suppliers'], wanted: string): LocalEndpoints['suppliers'][number] {
  const exact = suppliers.find((s) => s.id === wanted);
  if (exact !== undefined) return exact;
  const w = wanted.toLowerCase();
  for (const match of [(id: string) => id.startsWith(w), (id: string) => id.includes(w)]) {
    const hits = suppliers.filter((s) => match(s.id.toLowerCase()));
    if (hits.length === 1 && hits[0] !== undefined) return hits[0];
    if (hits.length > 1) throw new UsageError(`--supplier ${wanted} is ambiguous: ${hits.map((s) => s.id).join(', ')}`);
  }
  throw new UsageError(`No supplier "${wanted}" on the running stack; suppliers: ${suppliers.map((s) => s.id).join(', ')}`);
}

/** The ETag S3 computes: MD5 of the body, or for a multipart upload MD5 of the parts' MD5s + `-<parts>`. */
export function expectedEtag(body: Buffer): string {
  if (body.length <= MULTIPART_THRESHOLD) return createHash('md5').update(body).digest('hex');
  const digests: Buffer[] = [];
  for (let offset = 0; offset < body.length; offset += PART_SIZE) digests.push(createHash('md5').update(body.subarray(offset, offset + PART_SIZE)).digest());
  return `${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${digests.length}`;
}

/** Data rows of a feed file, for the progress bar (CSV: non-empty lines after the header; JSON: items). */
export function countRows(name: string, body: Buffer): number {
  const text = body.toString('utf8');
  if (name.toLowerCase().endsWith('.json')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed.length;
      const items = typeof parsed === 'object' && parsed !== null ? (parsed as { items?: unknown }).items : undefined;
      return Array.isArray(items) ? items.length : 0;
    } catch {
      return 0;
    }
  }
  let lines = 0;
  for (const line of text.split(/\r?\n/)) if (line.trim() !== '') lines++;
  return Math.max(0, lines - 1);
}

async function upload(s3: S3Client, bucket: string, key: string, body: Buffer, contentType: string): Promise<string> {
  if (body.length <= MULTIPART_THRESHOLD) {
    const out = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
    return (out.ETag ?? '').replaceAll('"', '');
  }
  const bar = progressBar('upload ', body.length, { unit: 'bytes' });
  const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: contentType }));
  const parts: { PartNumber: number; ETag: string }[] = [];
  for (let offset = 0, n = 1; offset < body.length; offset += PART_SIZE, n++) {
    const out = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: created.UploadId, PartNumber: n, Body: body.subarray(offset, offset + PART_SIZE) }));
    parts.push({ PartNumber: n, ETag: out.ETag ?? '' });
    bar.update(Math.min(body.length, offset + PART_SIZE));
  }
  const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: created.UploadId, MultipartUpload: { Parts: parts } }));
  bar.done(`${parts.length} parts`);
  return (done.ETag ?? '').replaceAll('"', '');
}

/** The handler's last progress report for a key (local S3's `/_local/progress`), if any. */
async function readProgress(s3Endpoint: string, key: string): Promise<{ rowsSoFar: number; phase?: string } | undefined> {
  try {
    const res = await fetch(`${s3Endpoint}/_local/progress?key=${encodeURIComponent(key)}`, { signal: AbortSignal.timeout(2_000) });
    const body = (await res.json()) as { rowsSoFar?: number | null; phase?: string };
    return typeof body.rowsSoFar === 'number' ? { rowsSoFar: body.rowsSoFar, ...(body.phase === undefined ? {} : { phase: body.phase }) } : undefined;
  } catch {
    return undefined;
  }
}

interface FileRecord {
  readonly status: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly rows?: number;
  readonly written?: number;
  readonly unchanged?: number;
  readonly rejected?: number;
  readonly unmapped?: number;
  readonly reportKey?: string;
  readonly reason?: string;
}

interface ReportRow {
  readonly row: number;
  readonly field: string;
  readonly reason: string;
  readonly value?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function summary(record: FileRecord): string {
  const counts = (['rows', 'written', 'unchanged', 'rejected', 'unmapped'] as const)
    .filter((k) => record[k] !== undefined)
    .map((k) => `${record[k] ?? 0} ${k}`)
    .join(', ');
  return `${record.status}${counts === '' ? '' : `: ${counts}`}${record.reason === undefined ? '' : ` (${record.reason})`}`;
}

/** What the steps of one drop share. */
interface Drop {
  readonly args: DropArgs;
  readonly endpoints: LocalEndpoints;
  readonly bucket: string;
  readonly supplier: LocalEndpoints['suppliers'][number];
  readonly key: string;
  readonly log: (line: string) => void;
  readonly readRecord: (etag: string) => Promise<FileRecord | undefined>;
}

/**
 * Poll the file record until it leaves PROCESSING (or the timeout): a bar when the handler reports its
 * progress (rows so far per pass, see readProgress), else a spinner.
 */
async function waitForOutcome(d: Drop, etag: string, total: number): Promise<FileRecord | undefined> {
  const deadline = Date.now() + d.args.timeoutSeconds * 1000;
  const bar = progressBar('process', 0, { unit: 'rows' });
  let record: FileRecord | undefined;
  for (;;) {
    record = await d.readRecord(etag);
    if (record !== undefined && record.status !== 'PROCESSING') break;
    if (Date.now() > deadline) break;
    const progress = record === undefined || total === 0 ? undefined : await readProgress(d.endpoints.s3.endpoint, d.key);
    if (progress !== undefined) {
      bar.setTotal(total);
      bar.update(Math.min(total, progress.rowsSoFar), progress.phase);
    } else {
      bar.update(total, record === undefined ? 'waiting for the notification' : `processing${total > 0 ? ` ${total.toLocaleString('en-US')} rows` : ''}`);
    }
    await sleep(200);
  }
  bar.done(record === undefined || record.status === 'PROCESSING' ? 'no outcome' : 'done');
  return record;
}

/** The summary, and the rejected-row report when there is one (its first rows, how to read it all). */
async function printOutcome(d: Drop, record: FileRecord): Promise<void> {
  const { log, bucket, endpoints } = d;
  log(`  ${summary(record)}`);
  if (record.reportKey === undefined) {
    if (record.status === 'APPLIED') log('  no rejected rows, no warnings: no report');
    return;
  }
  log(`  rejected-row report: s3://${bucket}/${record.reportKey} (CSV twin: ${record.reportKey.replace(/\.json$/, '.csv')})`);
  try {
    const reader = localS3Client(endpoints.s3.endpoint, supplierAccessKeyId(d.supplier.id));
    const out = await reader.send(new GetObjectCommand({ Bucket: bucket, Key: record.reportKey }));
    const report = JSON.parse((await out.Body?.transformToString('utf8')) ?? '{}') as { rejectedRows?: ReportRow[]; warnings?: { row: number; code: string; message: string }[] };
    reader.destroy();
    const rows = report.rejectedRows ?? [];
    for (const r of rows.slice(0, 10)) log(`    row ${String(r.row).padEnd(6)} ${r.field.padEnd(14)} ${r.reason}${r.value === undefined ? '' : ` (value ${JSON.stringify(r.value)})`}`);
    if (rows.length > 10) log(`    ... ${rows.length - 10} more rejected rows in the report`);
    const warnings = report.warnings ?? [];
    if (warnings.length > 0) log(`    ${warnings.length} warning(s), e.g. row ${warnings[0]?.row ?? '?'} ${warnings[0]?.code ?? ''}: ${warnings[0]?.message ?? ''}`);
  } catch (error) {
    log(`    (could not read the report: ${error instanceof Error ? error.message : String(error)})`);
  }
  log(`  read it: AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws --endpoint-url ${endpoints.s3.endpoint} s3 cp s3://${bucket}/${record.reportKey} -`);
}

async function readBody(file: string): Promise<Buffer> {
  return readFile(file).catch((error: unknown) => {
    throw new UsageError(`Cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  });
}

export async function drop(args: DropArgs, log: (line: string) => void = (l) => console.log(l)): Promise<{ status: string; key: string; etag: string; record?: FileRecord }> {
  const endpoints = await liveEndpoints(args.dataDir);
  const bucket = endpoints.s3?.bucket ?? null;
  if (bucket === null) throw new UsageError('The running stack has no supplier files bucket (its template defines none).');
  const supplier = resolveSupplier(endpoints.suppliers, args.supplier);
  const signer = args.as === undefined ? supplier.id : resolveSupplier(endpoints.suppliers, args.as).id;
  const body = await readBody(args.file);
  const name = args.name ?? path.basename(args.file);
  const key = `${supplier.inbox}${INBOX_KIND_FOLDERS[args.kind]}/${name}`;
  const contentType = name.toLowerCase().endsWith('.json') ? 'application/json' : 'text/csv; charset=utf-8';
  const ddb = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: endpoints.dynamodb.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  );
  const s3 = localS3Client(endpoints.s3.endpoint, supplierAccessKeyId(signer));
  const readRecord = async (etag: string): Promise<FileRecord | undefined> => {
    const out = await ddb.send(new GetCommand({ TableName: endpoints.dynamodb.tableName, Key: keys.supplierFile(supplier.id, RECORD_KIND[args.kind], key, etag), ConsistentRead: true }));
    return out.Item as FileRecord | undefined;
  };
  const d: Drop = { args, endpoints, bucket, supplier, key, log, readRecord };
  try {
    const before = await readRecord(expectedEtag(body));
    const size = body.length >= 1024 * 1024 ? `${(body.length / 1024 / 1024).toFixed(1)} MiB` : `${(body.length / 1024).toFixed(1)} KiB`;
    log(`Dropping ${path.basename(args.file)} (${size}) as ${supplier.id}${signer === supplier.id ? '' : ` signed as ${signer}`}: s3://${bucket}/${key}`);
    const etag = await upload(s3, bucket, key, body, contentType);
    log(`  uploaded, ETag ${etag}`);
    if (!args.wait) return { status: 'UPLOADED', key, etag };
    if (before !== undefined && before.status !== 'PROCESSING' && before.status !== 'FAILED') {
      log(`  the same file (same name, same content) was already processed at ${before.finishedAt ?? before.startedAt ?? '?'}: a replay changes nothing`);
      await printOutcome(d, before);
      return { status: before.status, key, etag, record: before };
    }
    const record = await waitForOutcome(d, etag, args.kind === 'inventory' ? countRows(name, body) : 0);
    if (record === undefined || record.status === 'PROCESSING') {
      const logs = path.relative(process.cwd(), endpoints.logsDir);
      log(
        record === undefined
          ? `  no record of the file after ${args.timeoutSeconds} s: does the template notify a function for ${supplier.inbox}${INBOX_KIND_FOLDERS[args.kind]}/? (see ${logs}/)`
          : `  still PROCESSING after ${args.timeoutSeconds} s (see ${logs}/)`,
      );
      return { status: record?.status ?? 'NO_RECORD', key, etag, ...(record === undefined ? {} : { record }) };
    }
    await printOutcome(d, record);
    return { status: record.status, key, etag, record };
  } finally {
    s3.destroy();
    ddb.destroy();
  }
}

async function main(): Promise<void> {
  const args = parseDropArgs(process.argv.slice(2));
  const result = await drop(args);
  process.exit(result.status === 'APPLIED' || result.status === 'UPLOADED' ? 0 : 1);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  main().catch((error: unknown) => {
    if (error instanceof UsageError || error instanceof NotRunningError) console.error(error.message);
    else console.error(`npm run drop failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
