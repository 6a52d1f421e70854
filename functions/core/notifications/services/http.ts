/**
 * The outbound HTTP seam of the notification senders: an injected `fetch` (global fetch in Lambda, a
 * fake in tests), a deadline per request, and one error type that says whether a retry can help and
 * when. Nothing here logs bodies or headers (they can carry customer data and credentials).
 */

export type FetchFn = (input: string, init: RequestInit) => Promise<Response>;

/** A delivery that did not go through. The message is retried (SQS) unless `retryable` is false. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** The platform asked to wait this long (Retry-After, Shopify throttle). */
    readonly retryAfterSeconds?: number,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DeliveryError';
    this.status = options?.status;
  }

  /** The storefront's HTTP status, when it answered (none: network failure, timeout, settings). */
  readonly status: number | undefined;
}

export interface HttpResult {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

export const REQUEST_TIMEOUT_MS = 10_000;

/** One request with a deadline; network failures and timeouts become retryable DeliveryErrors. */
export async function send(fetchFn: FetchFn, url: string, init: RequestInit, timeoutMs = REQUEST_TIMEOUT_MS): Promise<HttpResult> {
  let response: Response;
  try {
    response = await fetchFn(url, { ...init, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    throw new DeliveryError(`request failed (${name})`, true, undefined, { cause: error });
  }
  const text = await response.text().catch(() => '');
  return { status: response.status, headers: response.headers, text };
}

/** Seconds of a Retry-After header (delta seconds only), capped at one hour. */
export function retryAfterSeconds(headers: Headers): number | undefined {
  const value = headers.get('retry-after');
  if (value === null || !/^\d+(\.\d+)?$/.test(value.trim())) return undefined;
  return Math.min(3600, Math.ceil(Number(value)));
}

/** Throws the DeliveryError of a non-2xx answer: 5xx, 408, 425 and 429 are retried with the platform's Retry-After. */
export function expectOk(result: HttpResult, what: string): void {
  if (result.status >= 200 && result.status < 300) return;
  // 4xx other than these are retried too (a fixed token or URL makes them pass) but told apart in the log.
  const transient = result.status >= 500 || [408, 425, 429].includes(result.status);
  throw new DeliveryError(`${what} answered HTTP ${result.status}${transient ? '' : ' (check the channel settings)'}`, true, retryAfterSeconds(result.headers), { status: result.status });
}

/** Exponential backoff for the n-th receive (1-based): base × 2^(n-1), capped. */
export function backoffSeconds(receiveCount: number, baseSeconds: number, maxSeconds: number): number {
  const n = Math.max(1, Math.floor(receiveCount));
  return Math.min(maxSeconds, Math.round(baseSeconds * 2 ** Math.min(n - 1, 30)));
}
