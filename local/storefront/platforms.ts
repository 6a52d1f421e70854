/**
 * How the stand-in platforms answer: Shopify Admin GraphQL (the queries and mutations the notification
 * sender uses, with `extensions.cost` from a per-shop leaky bucket: 2000 points, 100 restored per second,
 * THROTTLED past that) and WooCommerce REST v3 (order update, order notes). Shapes follow the platforms'
 * documentation; ids are made up per channel.
 */

export interface PlatformAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Shopify's cost-based bucket, one per shop (channel). */
export class LeakyBucket {
  private available: number;
  private last: number;

  constructor(
    readonly maximum = 2000,
    readonly restoreRate = 100,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.available = maximum;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    this.available = Math.min(this.maximum, this.available + ((t - this.last) / 1000) * this.restoreRate);
    this.last = t;
  }

  /** Take `cost` points, or false when the bucket lacks them (nothing taken). */
  take(cost: number): boolean {
    this.refill();
    if (this.available < cost) return false;
    this.available -= cost;
    return true;
  }

  /** Drain the bucket (tests and the demo: the next request is throttled). */
  drain(): void {
    this.refill();
    this.available = 0;
  }

  status(): { maximumAvailable: number; currentlyAvailable: number; restoreRate: number } {
    this.refill();
    return { maximumAvailable: this.maximum, currentlyAvailable: Math.floor(this.available), restoreRate: this.restoreRate };
  }
}

const QUERY_COST = 12;
const MUTATION_COST = 10;

export interface ShopState {
  readonly bucket: LeakyBucket;
  nextId: number;
}

function cost(state: ShopState, requested: number, actual: number | null): Record<string, unknown> {
  return { cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: state.bucket.status() } };
}

const userErrors = { userErrors: [] as unknown[] };

/** One GraphQL request to the stand-in shop. */
export function answerShopify(state: ShopState, accessToken: string | undefined, body: unknown): PlatformAnswer {
  if (accessToken === undefined || accessToken === '') {
    return { status: 401, body: { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' } };
  }
  const query = typeof body === 'object' && body !== null && typeof (body as { query?: unknown }).query === 'string' ? (body as { query: string }).query : '';
  const variables = (typeof body === 'object' && body !== null ? (body as { variables?: Record<string, unknown> }).variables : undefined) ?? {};
  if (query === '') return { status: 400, body: { errors: { query: 'Required parameter missing or invalid' } } };
  const isMutation = /^\s*mutation\b/.test(query);
  const requested = isMutation ? MUTATION_COST : QUERY_COST;
  if (!state.bucket.take(requested)) {
    return { status: 200, body: { errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' } }], extensions: cost(state, requested, null) } };
  }
  const id = () => state.nextId++;
  let data: Record<string, unknown>;
  if (query.includes('fulfillmentOrders')) {
    const orderId = String(variables['id'] ?? 'gid://shopify/Order/0');
    const n = orderId.split('/').pop() ?? '0';
    data = {
      order: {
        id: orderId,
        fulfillmentOrders: { nodes: [{ id: `gid://shopify/FulfillmentOrder/${n}01`, status: 'OPEN', lineItems: { nodes: [] } }] },
      },
    };
  } else if (query.includes('fulfillmentCreate(')) {
    data = { fulfillmentCreate: { fulfillment: { id: `gid://shopify/Fulfillment/${id()}`, status: 'SUCCESS' }, ...userErrors } };
  } else if (query.includes('fulfillmentTrackingInfoUpdate(')) {
    data = { fulfillmentTrackingInfoUpdate: { fulfillment: { id: String(variables['fulfillmentId'] ?? '') }, ...userErrors } };
  } else if (query.includes('fulfillmentEventCreate(')) {
    const input = (variables['fulfillmentEvent'] ?? {}) as Record<string, unknown>;
    data = { fulfillmentEventCreate: { fulfillmentEvent: { id: `gid://shopify/FulfillmentEvent/${id()}`, status: input['status'] ?? 'CONFIRMED' }, ...userErrors } };
  } else if (query.includes('orderCancel(')) {
    data = { orderCancel: { job: { id: `gid://shopify/Job/${id()}` }, orderCancelUserErrors: [] } };
  } else if (query.includes('returnableFulfillments(')) {
    // Every line the pipeline knows is returnable from one fulfillment (line item ids are not tracked here).
    data = { returnableFulfillments: { nodes: [] } };
  } else if (query.includes('returnCreate(')) {
    data = { returnCreate: { return: { id: `gid://shopify/Return/${id()}`, status: 'OPEN' }, ...userErrors } };
  } else {
    return { status: 200, body: { errors: [{ message: 'Field is not supported by the local storefront receiver', extensions: { code: 'undefinedField' } }] } };
  }
  return { status: 200, body: { data, extensions: cost(state, requested, requested) } };
}

/** One REST call to the stand-in WooCommerce store (`/wp-json/wc/v3/...`). */
export function answerWoo(authorization: string | undefined, method: string, path: string, body: unknown, at: string, nextId: () => number): PlatformAnswer {
  if (authorization === undefined || !authorization.startsWith('Basic ')) {
    return { status: 401, body: { code: 'woocommerce_rest_cannot_view', message: 'Sorry, you cannot list resources.', data: { status: 401 } } };
  }
  const notes = /^\/wp-json\/wc\/v3\/orders\/(\d+)\/notes$/.exec(path);
  if (notes !== null && method === 'POST') {
    const b = (body ?? {}) as Record<string, unknown>;
    return { status: 201, body: { id: nextId(), author: 'system', date_created: at, date_created_gmt: at, note: b['note'] ?? '', customer_note: b['customer_note'] === true } };
  }
  const order = /^\/wp-json\/wc\/v3\/orders\/(\d+)$/.exec(path);
  if (order !== null && (method === 'PUT' || method === 'POST')) {
    const b = (body ?? {}) as Record<string, unknown>;
    return { status: 200, body: { id: Number(order[1]), status: b['status'] ?? 'processing', date_modified: at, meta_data: b['meta_data'] ?? [] } };
  }
  if (order !== null || notes !== null) return { status: 405, body: { code: 'rest_no_route', message: 'No route was found matching the URL and request method.', data: { status: 405 } } };
  return { status: 404, body: { code: 'woocommerce_rest_shop_order_invalid_id', message: 'Invalid ID.', data: { status: 404 } } };
}
