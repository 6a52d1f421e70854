/**
 * A small HTTP server for the local stand-ins that speak an AWS JSON protocol (`POST /` with
 * `X-Amz-Target: <Prefix>.<Operation>`), plus optional local-only routes (`/_local/...`). Loopback only.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isRecord } from '../../functions/core/kernel/guards';

export class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

export type JsonHandler = (operation: string, input: Record<string, unknown>) => unknown;
export type LocalRoute = (
  method: string,
  url: URL,
  body: unknown,
) => Promise<{ status: number; body: unknown } | undefined> | { status: number; body: unknown } | undefined;

export interface JsonServer {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}


export interface JsonServerOptions {
  /** `AWSStepFunctions`, `AWSEvents`, ... */
  readonly targetPrefix: string;
  /** `1.0` or `1.1`. */
  readonly jsonVersion: string;
  readonly handle: (operation: string, input: Record<string, unknown>) => Promise<unknown>;
  readonly local?: LocalRoute;
  readonly port?: number;
  readonly what: string;
}

type Send = (status: number, body: unknown, errorType?: string, type?: string) => void;

/** AwsError as AWS words it; a body that is not JSON: SerializationException; anything else: InternalFailure. */
function failWith(send: Send, what: string): (error: unknown) => void {
  return (error) => {
    if (error instanceof AwsError) send(error.status, { __type: error.type, message: error.message }, error.type);
    else if (error instanceof SyntaxError) send(400, { __type: 'SerializationException', message: 'Request body is not valid JSON.' }, 'SerializationException');
    else send(500, { __type: 'InternalFailure', message: `Local ${what} failed: ${error instanceof Error ? error.message : String(error)}` }, 'InternalFailure');
  };
}

/** One request: a local-only route (`/_local/...`), else the operation named by X-Amz-Target. */
async function dispatch(opts: JsonServerOptions, req: http.IncomingMessage, text: string, send: Send): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (url.pathname.startsWith('/_local/') && opts.local !== undefined) {
    const body: unknown = text === '' ? undefined : JSON.parse(text);
    const out = await opts.local(req.method ?? 'GET', url, body);
    if (out === undefined) send(404, { message: 'no such local route' }, undefined, 'application/json');
    else send(out.status, out.body, undefined, 'application/json');
    return;
  }
  const target = req.headers['x-amz-target'];
  if (req.method !== 'POST' || typeof target !== 'string' || !target.startsWith(`${opts.targetPrefix}.`)) {
    throw new AwsError('UnknownOperationException', `Expected POST with X-Amz-Target ${opts.targetPrefix}.<Operation>.`);
  }
  const input: unknown = text === '' ? {} : JSON.parse(text);
  send(200, await opts.handle(target.slice(opts.targetPrefix.length + 1), isRecord(input) ? input : {}));
}

export async function startJsonServer(opts: JsonServerOptions): Promise<JsonServer> {
  const contentType = `application/x-amz-json-${opts.jsonVersion}`;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const requestId = randomUUID();
      const send: Send = (status, body, errorType, type = contentType) => {
        if (res.headersSent) return;
        res.writeHead(status, { 'content-type': type, 'x-amzn-requestid': requestId, ...(errorType === undefined ? {} : { 'x-amzn-errortype': errorType }) });
        res.end(JSON.stringify(body));
      };
      dispatch(opts, req, Buffer.concat(chunks).toString('utf8'), send).catch(failWith(send, opts.what));
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
