/**
 * The local storefront receiver: stands in for every channel's storefront on localhost. The delivery
 * function's requests come here (LOCAL_STOREFRONT_RECEIVER_URL) under `/<kind>/<channelId>/...`:
 *
 *   POST /webhooks/{channelId}                                  custom channel: signed webhook (kind webhook)
 *   POST /shopify/{channelId}/admin/api/{version}/graphql.json  Shopify Admin GraphQL (kind shopify-graphql)
 *   *    /woo/{channelId}/wp-json/wc/v3/...                      WooCommerce REST v3 (kind woocommerce-rest)
 *
 * and it is read and steered with:
 *
 *   GET  /deliveries?channel={id}              what that channel received, in arrival order (all channels without it)
 *   POST /control/fail?channel={id}&count=N    answer the channel's next N requests with 503 (&status=429|500|...)
 *   POST /control/throttle?channel={id}&count=N  the channel's next N Shopify calls find the cost bucket empty (THROTTLED)
 *   DELETE /deliveries                         forget what was received
 *
 * Every request is recorded, failed ones too (`status` says what was answered).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { answerShopify, answerWoo, LeakyBucket, type PlatformAnswer, type ShopState } from './platforms';

export type DeliveryKind = 'webhook' | 'shopify-graphql' | 'woocommerce-rest';

export interface ReceivedRequest {
  readonly at: string;
  readonly channelId: string;
  readonly kind: DeliveryKind;
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  /** What the receiver answered (2xx: accepted). */
  readonly status: number;
}

export interface StorefrontReceiver {
  readonly url: string;
  readonly deliveriesUrl: string;
  readonly controlUrl: string;
  deliveries(channelId?: string): readonly ReceivedRequest[];
  failNext(channelId: string, count: number, status?: number): void;
  clear(): void;
  stop(): Promise<void>;
}

export interface ReceiverOptions {
  readonly port?: number;
  /** Keep at most this many requests (oldest dropped). @default 20000 */
  readonly keep?: number;
  readonly clock?: () => Date;
}

const MAX_BODY = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function reply(res: ServerResponse, answer: PlatformAnswer): void {
  const body = answer.body === undefined || answer.body === null ? '' : JSON.stringify(answer.body);
  res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.headers ?? {}) });
  res.end(body);
}

/** Which platform a path is for: kind, channel and the platform-side path. */
export function routeOf(path: string): { kind: DeliveryKind; channelId: string; rest: string } | undefined {
  const m = /^\/(webhooks|shopify|woo)\/([^/]+)(\/.*)?$/.exec(path);
  if (m === null) return undefined;
  const kind: DeliveryKind = m[1] === 'webhooks' ? 'webhook' : m[1] === 'shopify' ? 'shopify-graphql' : 'woocommerce-rest';
  return { kind, channelId: decodeURIComponent(m[2] ?? ''), rest: m[3] ?? '/' };
}

export async function startStorefrontReceiver(opts: ReceiverOptions = {}): Promise<StorefrontReceiver> {
  const clock = opts.clock ?? (() => new Date());
  const keep = opts.keep ?? 20_000;
  const received: ReceivedRequest[] = [];
  const failures = new Map<string, { count: number; status: number }>();
  const throttles = new Map<string, number>();
  const shops = new Map<string, ShopState>();
  let nextId = 1000;
  const shop = (channelId: string): ShopState => {
    let s = shops.get(channelId);
    if (s === undefined) {
      s = { bucket: new LeakyBucket(), nextId: 1 };
      shops.set(channelId, s);
    }
    return s;
  };

  const platformAnswer = (route: NonNullable<ReturnType<typeof routeOf>>, req: IncomingMessage, headers: Record<string, string>, body: unknown, at: string): PlatformAnswer => {
    const failure = failures.get(route.channelId);
    if (failure !== undefined && failure.count > 0) {
      failure.count--;
      return { status: failure.status, body: { error: 'failure injected by the local storefront receiver' }, headers: failure.status === 429 ? { 'retry-after': '1' } : {} };
    }
    const method = req.method ?? 'GET';
    if (route.kind === 'webhook') {
      if (method !== 'POST') return { status: 405, body: { error: 'POST only' } };
      const complete = headers['webhook-id'] && headers['webhook-timestamp'] && headers['webhook-signature'];
      return complete ? { status: 204, body: null } : { status: 400, body: { error: 'missing Standard Webhooks headers' } };
    }
    if (route.kind === 'shopify-graphql') {
      if (method !== 'POST' || !/^\/admin\/api\/[0-9]{4}-[0-9]{2}\/graphql\.json$/.test(route.rest)) return { status: 404, body: { errors: 'Not Found' } };
      const throttled = throttles.get(route.channelId) ?? 0;
      if (throttled > 0) {
        throttles.set(route.channelId, throttled - 1);
        shop(route.channelId).bucket.drain();
      }
      return answerShopify(shop(route.channelId), headers['x-shopify-access-token'], body);
    }
    return answerWoo(headers['authorization'], method, route.rest, body, at, () => nextId++);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    if (url.pathname === '/deliveries') {
      if (method === 'DELETE') {
        received.length = 0;
        reply(res, { status: 204, body: null });
        return;
      }
      const channel = url.searchParams.get('channel');
      reply(res, { status: 200, body: channel === null ? received : received.filter((r) => r.channelId === channel) });
      return;
    }
    if (url.pathname.startsWith('/control/') && method === 'POST') {
      const channel = url.searchParams.get('channel') ?? '';
      if (channel === '') return reply(res, { status: 400, body: { error: 'channel is required' } });
      if (url.pathname === '/control/fail') {
        const count = Number(url.searchParams.get('count') ?? '1');
        const status = Number(url.searchParams.get('status') ?? '503');
        if (!Number.isInteger(count) || count < 0 || !Number.isInteger(status) || status < 400 || status > 599) {
          return reply(res, { status: 400, body: { error: 'count must be an integer ≥ 0 and status 400-599' } });
        }
        failures.set(channel, { count, status });
        return reply(res, { status: 200, body: { channel, failNext: count, status } });
      }
      if (url.pathname === '/control/throttle') {
        const count = Number(url.searchParams.get('count') ?? '1');
        if (!Number.isInteger(count) || count < 0) return reply(res, { status: 400, body: { error: 'count must be an integer ≥ 0' } });
        throttles.set(channel, count);
        return reply(res, { status: 200, body: { channel, throttleNext: count } });
      }
    }
    const route = routeOf(url.pathname);
    if (route === undefined) return reply(res, { status: 404, body: { error: 'unknown path' } });
    const text = await readBody(req);
    const body = parseBody(text);
    const headers = headersOf(req);
    const at = clock().toISOString();
    const answer = platformAnswer(route, req, headers, body, at);
    received.push({ at, channelId: route.channelId, kind: route.kind, method, path: route.rest, headers, body, status: answer.status });
    if (received.length > keep) received.splice(0, received.length - keep);
    reply(res, answer);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) reply(res, { status: 400, body: { error: error instanceof Error ? error.message : 'bad request' } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    deliveriesUrl: `${url}/deliveries`,
    controlUrl: `${url}/control`,
    deliveries: (channelId) => (channelId === undefined ? [...received] : received.filter((r) => r.channelId === channelId)),
    failNext: (channelId, count, status = 503) => {
      failures.set(channelId, { count, status });
    },
    clear: () => {
      received.length = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
