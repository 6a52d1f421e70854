/**
 * Intake benchmark (issue 3): against ONE DynamoDB Local, measure
 * - the floor: a raw PutItem loop (one small item per call, same table, same client settings);
 * - intake: POST /orders through the local API Gateway + the create-order handler;
 * at the same concurrency, and report rate and p50/p99 latency for each.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { runLoad, round, type LoadResult } from './stats';

export interface IntakeEndpoints {
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly dynamodb: { readonly endpoint: string; readonly tableName: string };
  readonly demo: { readonly skus: readonly string[] };
}

export interface IntakeBenchResult {
  readonly rawPutItem: LoadResult;
  readonly intake: LoadResult;
  readonly intakeToRawRatio: number;
  readonly goals: { readonly ratioAtLeast: number; readonly p99AtMostMs: number; readonly met: boolean };
}

export function orderBody(sku: string, i: number): string {
  return JSON.stringify({
    externalOrderId: `bench-${i}-${randomUUID()}`,
    customer: { email: 'bench@example.com', firstName: 'Bench', lastName: 'Mark' },
    shippingAddress: {
      name: 'Bench Mark',
      line1: 'Hauptstrasse 1',
      city: 'Berlin',
      postcode: '10115',
      country: 'DE',
    },
    lines: [{ sku, quantity: 1, unitPrice: '19.99' }],
    currency: 'EUR',
    totals: { subtotal: '19.99', shipping: '4.90', tax: '0.00', discount: '0.00', total: '24.89' },
    payment: { reference: `pay_${i}`, status: 'paid' },
  });
}

export async function benchIntake(
  endpoints: IntakeEndpoints,
  opts: { requests: number; concurrency: number; warmup: number },
): Promise<IntakeBenchResult> {
  const ddb = new DynamoDBClient({
    endpoint: endpoints.dynamodb.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const sku = endpoints.demo.skus[0];
  if (sku === undefined) throw new Error('endpoints.demo.skus is empty');
  const put = (i: number, prefix: string): Promise<boolean> =>
    ddb
      .send(
        new PutItemCommand({
          TableName: endpoints.dynamodb.tableName,
          Item: {
            pk: { S: `BENCH#${prefix}#${i}` },
            sk: { S: '#BENCH' },
            payload: { S: orderBody(sku, i) },
          },
        }),
        { abortSignal: AbortSignal.timeout(10_000) },
      )
      .then(() => true);
  const post = (i: number, prefix: string): Promise<boolean> =>
    fetch(`${endpoints.apiUrl}/orders`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': endpoints.apiKey,
        'idempotency-key': `bench-${prefix}-${i}`,
      },
      body: orderBody(sku, i),
      signal: AbortSignal.timeout(10_000),
    }).then(async (res) => {
      await res.arrayBuffer();
      return res.status === 201;
    });

  const run = randomUUID().slice(0, 8);
  // Warm both paths (JIT, worker start, connection pools) before measuring.
  await runLoad(opts.warmup, opts.concurrency, (i) => put(i, `warm-${run}`));
  await runLoad(opts.warmup, opts.concurrency, (i) => post(i, `warm-${run}`));

  const rawPutItem = await runLoad(opts.requests, opts.concurrency, (i) => put(i, run));
  const intake = await runLoad(opts.requests, opts.concurrency, (i) => post(i, run));
  ddb.destroy();
  const intakeToRawRatio = round(intake.perSecond / rawPutItem.perSecond, 2);
  const goals = { ratioAtLeast: 0.5, p99AtMostMs: 25 };
  return {
    rawPutItem,
    intake,
    intakeToRawRatio,
    goals: { ...goals, met: intakeToRawRatio >= goals.ratioAtLeast && intake.p99Ms <= goals.p99AtMostMs && intake.errors === 0 },
  };
}
