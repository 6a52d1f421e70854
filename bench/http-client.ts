/**
 * The intake bench's HTTP client: node:http over a keep-alive agent (one socket per concurrent caller), as load
 * generators such as autocannon or wrk drive a server. `fetch` (undici's WHATWG layer: Headers, streams, an
 * AbortSignal per call) costs about 0.8 ms more per call on this 2-core machine, on the same thread as the
 * local API Gateway stand-in: that is the client's cost, not the pipeline's (bench/README.md, section 1).
 */
import http from 'node:http';

export interface HttpAnswer {
  readonly status: number;
  readonly text: string;
}

export class BenchHttpClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

  /** One request, answered within `timeoutMs` (else it rejects). */
  request(url: string, method: string, headers: Record<string, string>, body?: string, timeoutMs = 10_000): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        url,
        { method, agent: this.agent, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) }, timeout: timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
