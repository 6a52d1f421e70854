/**
 * The dashboard's local web server (started by `npm start`, URL in endpoints.json `dashboardUrl`):
 * - the built app (dashboard/build.ts, built in memory at start; content-hashed assets cached forever);
 * - `/config.json`: where the ops API is and the local operator credentials (locally only: in AWS the app
 *   gets credentials from Cognito, docs/dashboard.md);
 * - `/api/*`: a same-origin proxy to the local API gateway. The browser signs each request (SigV4) for the
 *   gateway's URL; the proxy forwards it unchanged with the gateway's host, so the signature holds. A GET
 *   answered with a redirect (a document's presigned URL on the local S3) is followed here.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildDashboard, type DashboardAsset } from '../../dashboard/build';

export interface DashboardConfigJson {
  readonly apiUrl: string;
  readonly fetchBase: string;
  readonly region: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly identity?: string;
  readonly opsApiKey?: string;
  readonly refreshMs?: number;
}

export interface DashboardServer {
  readonly url: string;
  readonly buildMs: number;
  stop(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer', 'host', 'origin', 'referer', 'cookie']);

function forward(target: URL, req: http.IncomingMessage, body: Buffer, res: http.ServerResponse, redirectsLeft: number): void {
  const headers: http.OutgoingHttpHeaders = { host: target.host };
  for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v;
  if (body.length > 0) headers['content-length'] = String(body.length);
  const upstream = http.request(target, { method: req.method ?? 'GET', headers }, (up) => {
    const status = up.statusCode ?? 502;
    const location = up.headers.location;
    if (status >= 300 && status < 400 && location !== undefined && redirectsLeft > 0) {
      up.resume();
      // A presigned URL carries its own signature in the query: fetched without the API's headers.
      const next = new URL(location, target);
      const follow = http.get(next, (doc) => {
        res.writeHead(doc.statusCode ?? 502, { 'content-type': doc.headers['content-type'] ?? 'application/octet-stream', 'cache-control': 'no-store' });
        doc.pipe(res);
      });
      follow.on('error', (e) => fail(res, e));
      return;
    }
    const out: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(up.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
    res.writeHead(status, out);
    up.pipe(res);
  });
  upstream.on('error', (e) => fail(res, e));
  upstream.end(body);
}

function fail(res: http.ServerResponse, e: Error): void {
  if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ code: 'BAD_GATEWAY', message: `local API not reachable: ${e.message}` }));
}

function serveAsset(res: http.ServerResponse, asset: DashboardAsset): void {
  res.writeHead(200, {
    'content-type': asset.contentType,
    'content-length': String(asset.body.length),
    'cache-control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  res.end(asset.body);
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => {
      server.off('listening', onListening);
      reject(e);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** Starts the server on `port` (default 3100; any free port when taken or 0). */
export async function startDashboardServer(opts: { config: () => DashboardConfigJson; port?: number; host?: string }): Promise<DashboardServer> {
  const started = performance.now();
  const assets = await buildDashboard();
  const buildMs = performance.now() - started;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/api/')) {
      // Forwarded to the API URL the browser signed for (config.json apiUrl, with its stage path).
      const api = new URL(opts.config().apiUrl);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => forward(new URL(api.pathname.replace(/\/$/, '') + url.pathname.slice(4) + url.search, api.origin), req, Buffer.concat(chunks), res, 1));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (url.pathname === '/config.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(opts.config()));
      return;
    }
    const asset = assets.get(url.pathname === '/' ? '/index.html' : url.pathname);
    if (asset === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    serveAsset(res, asset);
  });
  const host = opts.host ?? '127.0.0.1';
  try {
    await listen(server, opts.port ?? 3100, host);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    await listen(server, 0, host);
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/`,
    buildMs,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
