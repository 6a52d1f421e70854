/**
 * Shared pieces of the supplier-files tests: an S3 mock that keeps what was written, the files deps
 * of the outbound channel, and supplier overrides (a supplier switched to the `file` channel).
 */
import { CopyObjectCommand, GetObjectCommand, PutObjectCommand, S3Client, type CopyObjectCommandInput, type GetObjectCommandOutput, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { Readable } from 'node:stream';
import type { Supplier, SupplierFileSettings } from '../../../../functions/core/suppliers/domain/supplier';
import type { OutboxFiles } from '../../../../functions/core/suppliers/services/supplier-outbound';
import { keys } from '../../../../functions/core/runtime/table/keys';
import type { FakeTable } from '../../workflow/support/fake-table';
import { SUPPLIERS, type World } from '../../workflow/support/world';

export const FILES_BUCKET = 'supplier-files-bucket';

export const s3Client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

/** Objects written through the mock (key → body as bytes, content type). */
export class FakeBucket {
  readonly objects = new Map<string, { body: Uint8Array; contentType?: string | undefined }>();

  install(mock: AwsClientStub<S3Client>): void {
    mock.on(PutObjectCommand).callsFake(async (input: PutObjectCommandInput) => {
      const body = input.Body;
      const bytes = typeof body === 'string' ? new Uint8Array(Buffer.from(body, 'utf8')) : body instanceof Uint8Array ? body : new Uint8Array();
      this.objects.set(String(input.Key), { body: bytes, contentType: input.ContentType });
      return { ETag: '"etag"' };
    });
    mock.on(CopyObjectCommand).callsFake(async (input: CopyObjectCommandInput) => {
      const source = decodeURIComponent(String(input.CopySource).split('/').slice(1).join('/'));
      const object = this.objects.get(source);
      if (object === undefined) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
      this.objects.set(String(input.Key), { ...object });
      return {};
    });
    mock.on(GetObjectCommand).callsFake(async (input: { Key?: string }) => {
      const object = this.objects.get(String(input.Key));
      if (object === undefined) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
      return { Body: body(object.body) };
    });
  }

  put(key: string, content: string): void {
    this.objects.set(key, { body: new Uint8Array(Buffer.from(content, 'utf8')) });
  }

  text(key: string): string {
    const object = this.objects.get(key);
    if (object === undefined) throw new Error(`no object ${key}`);
    return Buffer.from(object.body).toString('utf8');
  }

  bytes(key: string): Uint8Array {
    const object = this.objects.get(key);
    if (object === undefined) throw new Error(`no object ${key}`);
    return object.body;
  }
}

export function body(bytes: Uint8Array | string): GetObjectCommandOutput['Body'] {
  const data = typeof bytes === 'string' ? new Uint8Array(Buffer.from(bytes, 'utf8')) : bytes;
  return Object.assign(Readable.from([Buffer.from(data)]), { transformToByteArray: async () => data }) as unknown as GetObjectCommandOutput['Body'];
}

export function outboxFiles(world: World): OutboxFiles {
  return { s3: s3Client, bucket: FILES_BUCKET, store: world.store };
}

/** Re-seed a supplier with other settings (e.g. the `file` channel). */
export function setSupplier(table: FakeTable, supplierId: string, changes: Partial<Supplier> & { files?: SupplierFileSettings }): Supplier {
  const base = SUPPLIERS.find((s) => s.supplierId === supplierId);
  if (base === undefined) throw new Error(`unknown supplier ${supplierId}`);
  const supplier = { ...base, ...changes };
  table.seed({ ...supplier, ...keys.supplier(supplierId), entity: 'Supplier' });
  return supplier;
}
