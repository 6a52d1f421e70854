/**
 * A counting pass-through proxy for AWS JSON-protocol services (DynamoDB, Secrets Manager, Step Functions)
 * on localhost. The benchmark points the functions at it (`functionEnv: { AWS_ENDPOINT_URL_DYNAMODB: proxy }`)
 * so every call a handler makes is counted by operation (`X-Amz-Target`), without touching handler code.
 *
 * DynamoDB: when a data-plane request does not ask for it, the proxy adds `ReturnConsumedCapacity: INDEXES`
 * and reads the `ConsumedCapacity` DynamoDB Local answers with (it computes capacity units as DynamoDB does:
 * 1 per KB written, 1 per 4 KB read strongly, 0.5 eventually, x2 inside transactions, GSI writes separately).
 * DynamoDB Local does not check request signatures, so the re-serialised body is accepted. Failed requests
 * (e.g. a condition that did not hold) carry no ConsumedCapacity: they are counted separately.
 *
 * Callers: give each function its own endpoint `<proxy>/caller/<name>` (the SDK keeps an endpoint's path)
 * and its calls are also counted per caller; the path prefix is removed before forwarding.
 *
 * Not for SQS: the SDK sends SQS requests to the QueueUrl's host, so a proxy endpoint would be bypassed.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isRecord } from '../functions/core/kernel/guards';

export interface OperationCount {
  calls: number;
  failed: number;
  /** Capacity units reported by DynamoDB Local (table + indexes), successful calls only. */
  capacityUnits: number;
  tableUnits: number;
  indexUnits: number;
  /** Items written / read by batch and transaction calls (1 for single-item calls). */
  items: number;
}

export type Counts = Record<string, OperationCount>;

const CAPACITY_OPERATIONS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
]);

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host', 'proxy-connection', 'upgrade']);


function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** Sum of a ConsumedCapacity object or list: total, table part, index part. */
export function capacityOf(consumed: unknown): { total: number; table: number; index: number } {
  const list = Array.isArray(consumed) ? consumed : consumed === undefined ? [] : [consumed];
  let total = 0;
  let table = 0;
  let index = 0;
  for (const c of list) {
    if (!isRecord(c)) continue;
    total += num(c['CapacityUnits']);
    const t = c['Table'];
    table += isRecord(t) ? num(t['CapacityUnits']) : 0;
    for (const key of ['GlobalSecondaryIndexes', 'LocalSecondaryIndexes']) {
      const indexes = c[key];
      if (isRecord(indexes)) for (const v of Object.values(indexes)) if (isRecord(v)) index += num(v['CapacityUnits']);
    }
  }
  // Without a breakdown, everything is the table's.
  if (table === 0 && index === 0) table = total;
  return { total, table, index };
}

/** Items a request touches (TransactItems, RequestItems of batches), 1 otherwise. */
function itemsOf(operation: string, body: Record<string, unknown>): number {
  if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
    return Array.isArray(body['TransactItems']) ? body['TransactItems'].length : 0;
  }
  if (operation === 'BatchWriteItem' || operation === 'BatchGetItem') {
    const req = body['RequestItems'];
    if (!isRecord(req)) return 0;
    return Object.values(req).reduce<number>((sum, v) => {
      if (Array.isArray(v)) return sum + v.length;
      if (isRecord(v) && Array.isArray(v['Keys'])) return sum + v['Keys'].length;
      return sum;
    }, 0);
  }
  return 1;
}

export class CountingProxy {
  private server: http.Server | undefined;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private target: URL | undefined;
  private readonly waiting: ((url: URL) => void)[] = [];
  private counts: Counts = {};
  private byCaller: Record<string, Counts> = {};

  /**
   * @param service label; `dynamodb` enables the ConsumedCapacity accounting.
   * @param onSuccess called with every successful request's caller, operation and (JSON) body.
   */
  constructor(
    private readonly service: 'dynamodb' | 'other',
    private readonly onSuccess?: (caller: string, operation: string, body: Record<string, unknown>) => void,
  ) {}

  async listen(): Promise<string> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    this.server = server;
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Where requests go (known only once the runtime is up; requests wait until then). */
  setTarget(url: string): void {
    this.target = new URL(url);
    for (const w of this.waiting.splice(0)) w(this.target);
  }

  /** Counts since the last reset (a copy). */
  snapshot(): Counts {
    return structuredClone(this.counts);
  }

  /** Counts per caller (`/caller/<name>` endpoints) since the last reset (a copy). */
  snapshotByCaller(): Record<string, Counts> {
    return structuredClone(this.byCaller);
  }

  /** The endpoint to give one caller. */
  endpointFor(baseUrl: string, caller: string): string {
    return `${baseUrl}/caller/${encodeURIComponent(caller)}`;
  }

  reset(): void {
    this.counts = {};
    this.byCaller = {};
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private targetUrl(): Promise<URL> {
    if (this.target !== undefined) return Promise.resolve(this.target);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private entry(counts: Counts, operation: string): OperationCount {
    let e = counts[operation];
    if (e === undefined) {
      e = { calls: 0, failed: 0, capacityUnits: 0, tableUnits: 0, indexUnits: 0, items: 0 };
      counts[operation] = e;
    }
    return e;
  }

  /** DynamoDB calls that report capacity: parsed, and made to return it (INDEXES) when the caller did not ask. */
  private withCapacity(operation: string, body: Buffer): { body: Buffer; parsed: Record<string, unknown> } {
    if (this.service !== 'dynamodb' || !CAPACITY_OPERATIONS.has(operation)) return { body, parsed: {} };
    try {
      const json: unknown = JSON.parse(body.toString('utf8'));
      if (!isRecord(json)) return { body, parsed: {} };
      if (json['ReturnConsumedCapacity'] === undefined || json['ReturnConsumedCapacity'] === 'NONE') {
        return { body: Buffer.from(JSON.stringify({ ...json, ReturnConsumedCapacity: 'INDEXES' })), parsed: json };
      }
      return { body, parsed: json };
    } catch {
      return { body, parsed: {} }; // not JSON: forwarded as it came
    }
  }

  /** The upstream answer: failures and capacity counted, the observer told, the answer relayed. */
  private relay(up: http.IncomingMessage, res: http.ServerResponse, call: { caller: string; operation: string; parsed: Record<string, unknown>; entries: OperationCount[] }): void {
    const out: Buffer[] = [];
    up.on('data', (c: Buffer) => out.push(c));
    up.on('end', () => {
      const payload = Buffer.concat(out);
      const status = up.statusCode ?? 502;
      if (status < 400 && this.onSuccess !== undefined) {
        try {
          this.onSuccess(call.caller, call.operation, call.parsed);
        } catch {
          // an observer never changes the answer
        }
      }
      if (status >= 400) for (const e of call.entries) e.failed++;
      else if (this.service === 'dynamodb' && CAPACITY_OPERATIONS.has(call.operation)) this.countCapacity(payload, call.entries);
      const responseHeaders: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(up.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) responseHeaders[k] = v;
      responseHeaders['content-length'] = payload.length;
      res.writeHead(status, responseHeaders);
      res.end(payload);
    });
    up.on('error', () => res.destroy());
  }

  private countCapacity(payload: Buffer, entries: readonly OperationCount[]): void {
    try {
      const json: unknown = JSON.parse(payload.toString('utf8'));
      if (!isRecord(json)) return;
      const c = capacityOf(json['ConsumedCapacity']);
      for (const e of entries) {
        e.capacityUnits += c.total;
        e.tableUnits += c.table;
        e.indexUnits += c.index;
      }
    } catch {
      // counted as a call without capacity
    }
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const targetHeader = String(req.headers['x-amz-target'] ?? '');
    const operation = targetHeader.includes('.') ? targetHeader.slice(targetHeader.indexOf('.') + 1) : targetHeader || `${req.method} ${req.url}`;
    const { body, parsed } = this.withCapacity(operation, Buffer.concat(chunks));
    let requestPath = req.url ?? '/';
    let caller = 'unknown';
    const m = /^\/caller\/([^/?]+)(.*)$/.exec(requestPath);
    if (m !== null) {
      caller = decodeURIComponent(m[1] ?? 'unknown');
      requestPath = m[2] === undefined || m[2] === '' ? '/' : m[2].startsWith('/') ? m[2] : `/${m[2]}`;
    }
    this.byCaller[caller] ??= {};
    const entries = [this.entry(this.counts, operation), this.entry(this.byCaller[caller] ?? {}, operation)];
    const items = this.service === 'dynamodb' && CAPACITY_OPERATIONS.has(operation) ? itemsOf(operation, parsed) : 0;
    for (const e of entries) {
      e.calls++;
      e.items += items;
    }
    const target = await this.targetUrl();
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v;
    headers['host'] = target.host;
    headers['content-length'] = body.length;
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: requestPath, headers, agent: this.agent, timeout: 30_000 },
      (up) => this.relay(up, res, { caller, operation, parsed, entries }),
    );
    upstream.on('timeout', () => upstream.destroy(new Error('upstream timeout')));
    upstream.on('error', () => {
      for (const e of entries) e.failed++;
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ __type: 'com.amazonaws.local#ProxyError', message: 'upstream unavailable' }));
      } else res.destroy();
    });
    upstream.end(body);
  }
}
