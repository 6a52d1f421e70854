/**
 * Crash and restart (issue 13): the local runtime in a CHILD process on its own data directory, orders in every
 * stage (received, awaiting supplier acceptance, accepted, shipped and awaiting delivery, on hold), `kill -9` of
 * the whole process group, a second start on the same state. Every order must resume to a final state or stay
 * surfaced with a reason (a hold): 0 lost. Reservations stay exact (counter = Σ HELD) across the crash.
 *
 * Every wait has a deadline; the child is killed by its own process group id whatever happens.
 */
import { opsFetch } from '../../local/tools/ops-client';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import type { LocalEndpoints } from '../../local/runtime/runtime';
import { trackingFor } from '../../local/tools/supplier-plan';
import { workflowOrderBody } from './workflow-helpers';

const ROOT = path.resolve(__dirname, '../..');
const START_DEADLINE_MS = 420_000;
const SUPPLIER = 'nordic-home';
const SKU = 'TSHIRT-BLK-M';
const FINAL = new Set(['DELIVERED', 'CANCELLED', 'REJECTED']);

let dataDir = '';
let child: ChildProcess | undefined;
let e: LocalEndpoints;
let ddb: DynamoDBDocumentClient;
let sqs: SQSClient;

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > until) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? ` (${last.message})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * `npm start` in a child process group on `dataDir` (random ports, scripted suppliers). Local time 1/60 (an hour
 * of SLA lasts a minute): slow enough that the scripted supplier answers within its acceptance SLA on a busy machine.
 */
async function start(): Promise<void> {
  // A loaded machine may miss DynamoDB Local's own 30 s start deadline: the runtime then exits, and starts again.
  for (let attempt = 1; ; attempt++) {
    try {
      await startOnce();
      return;
    } catch (error) {
      if (attempt >= 3 || child?.exitCode === null) throw error;
    }
  }
}

async function startOnce(): Promise<void> {
  const endpointsFile = path.join(dataDir, 'endpoints.json');
  await rm(endpointsFile, { force: true });
  const log = openSync(path.join(dataDir, `stack-${Date.now()}.log`), 'a');
  child = spawn(
    path.join(ROOT, 'node_modules/.bin/tsx'),
    ['local/tools/cli.ts', 'start', '--data-dir', dataDir, '--port', '0', '--ddb-port', '0', '--no-suppliers', '--no-schedules', '--time-scale', String(1 / 60)],
    { cwd: ROOT, detached: true, stdio: ['ignore', log, log], env: { ...process.env, FORCE_COLOR: '0' } },
  );
  const proc = child;
  await waitFor(
    'the child runtime to be ready',
    async () => {
      if (proc.exitCode !== null) throw new Error(`the runtime exited with ${proc.exitCode}`);
      return existsSync(endpointsFile) ? true : undefined;
    },
    START_DEADLINE_MS,
    500,
  );
  e = JSON.parse(readFileSync(endpointsFile, 'utf8')) as LocalEndpoints;
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: e.dynamodb.endpoint, region: 'us-east-1', credentials }));
  sqs = new SQSClient({ endpoint: e.sqs.endpoint, region: 'us-east-1', credentials });
}

/** kill -9 of the child's whole process group (function workers, DynamoDB Local's wrapper). */
async function crash(): Promise<void> {
  const proc = child;
  if (proc?.pid === undefined) return;
  try {
    process.kill(-proc.pid, 'SIGKILL');
  } catch {
    // already gone
  }
  await waitFor('the child runtime to die', async () => (proc.exitCode !== null || proc.signalCode !== null ? true : undefined), 20_000, 100);
  child = undefined;
}

const webKey = (): string => e.channels.find((c) => c.id === 'demo-web')?.apiKey ?? '';

async function placeOrder(payment: 'paid' | 'pending' = 'paid'): Promise<string> {
  const res = await fetch(`${e.apiUrl}/orders`, {
    method: 'POST',
    body: JSON.stringify(workflowOrderBody({ lines: [{ sku: SKU, quantity: 1 }], payment })),
    headers: { 'content-type': 'application/json', 'x-api-key': webKey(), 'Idempotency-Key': randomUUID() },
    signal: AbortSignal.timeout(20_000),
  });
  const body = (await res.json()) as { orderId?: string };
  if (res.status !== 201 || body.orderId === undefined) throw new Error(`POST /orders answered ${res.status}`);
  return body.orderId;
}

async function orderItem(orderId: string): Promise<Record<string, unknown> | undefined> {
  return (await ddb.send(new GetCommand({ TableName: e.dynamodb.tableName, Key: { pk: `ORDER#${orderId}`, sk: '#ORDER' }, ConsistentRead: true }))).Item;
}

async function orderPartition(orderId: string): Promise<Record<string, unknown>[]> {
  const out = await ddb.send(new QueryCommand({ TableName: e.dynamodb.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `ORDER#${orderId}` }, ConsistentRead: true }));
  return out.Items ?? [];
}

async function fulfillment(orderId: string): Promise<Record<string, unknown> | undefined> {
  return (await orderPartition(orderId)).find((i) => i['entity'] === 'Fulfillment' && i['status'] !== 'CANCELLED' && i['status'] !== 'REJECTED');
}

async function statusOf(orderId: string): Promise<string> {
  return String((await orderItem(orderId))?.['status'] ?? 'MISSING');
}

async function waitForStatus(orderId: string, wanted: readonly string[], timeoutMs = 90_000): Promise<string> {
  return waitFor(`${orderId} to be ${wanted.join('|')}`, async () => {
    const status = await statusOf(orderId);
    return wanted.includes(status) ? status : undefined;
  }, timeoutMs);
}

async function fulfillmentWhen(orderId: string, what: string, check: (f: Record<string, unknown>) => boolean, timeoutMs = 90_000): Promise<Record<string, unknown>> {
  return waitFor(`${orderId}'s fulfillment ${what}`, async () => {
    const f = await fulfillment(orderId);
    return f !== undefined && check(f) ? f : undefined;
  }, timeoutMs);
}

async function supplierSays(message: Record<string, unknown>): Promise<void> {
  const url = e.suppliers.find((s) => s.id === SUPPLIER)?.inboundQueueUrl;
  if (url === null || url === undefined) throw new Error('no inbound queue');
  await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify({ occurredAt: new Date().toISOString(), messageId: `crash-${randomUUID()}`, ...message }) }));
}

const lines = (f: Record<string, unknown>) => (f['lines'] as { lineNo: number; quantity: number }[]).map((l) => ({ lineNo: l.lineNo, quantity: l.quantity }));

async function accept(orderId: string): Promise<Record<string, unknown>> {
  const f = await fulfillmentWhen(orderId, 'dispatched', (x) => x['status'] === 'DISPATCHED' || x['status'] === 'ACCEPTED');
  await supplierSays({ type: 'ACCEPTED', fulfillmentId: f['fulfillmentId'] });
  return fulfillmentWhen(orderId, 'accepted', (x) => x['status'] === 'ACCEPTED');
}

async function ship(orderId: string, f: Record<string, unknown>): Promise<string> {
  const { carrier, trackingNumber } = trackingFor('DHL Paket');
  await supplierSays({ type: 'SHIPPED', fulfillmentId: f['fulfillmentId'], carrier, trackingNumber, lines: lines(f) });
  await supplierSays({ type: 'TRACKING_EVENT', fulfillmentId: f['fulfillmentId'], trackingNumber, event: 'CARRIER_PICKED_UP' });
  await waitForStatus(orderId, ['SHIPPED']);
  return trackingNumber;
}

async function deliver(orderId: string): Promise<void> {
  const f = await fulfillmentWhen(orderId, 'shipped', (x) => Array.isArray(x['shipments']) && x['shipments'].length > 0);
  const trackingNumber = String((f['shipments'] as { trackingNumber: string }[])[0]?.trackingNumber);
  await supplierSays({ type: 'DELIVERED', fulfillmentId: f['fulfillmentId'], trackingNumber });
}

/** Counter of the SKU's offer and Σ of the HELD reservations of `orderIds` (the only orders on this fresh stack). */
async function reservationBooks(orderIds: readonly string[]): Promise<{ counter: number; held: number }> {
  const counter = Number((await ddb.send(new GetCommand({ TableName: e.dynamodb.tableName, Key: { pk: `SKU#${SKU}`, sk: `RESERVED#${SUPPLIER}` }, ConsistentRead: true }))).Item?.['reserved'] ?? 0);
  let held = 0;
  for (const id of orderIds) {
    for (const item of await orderPartition(id)) if (String(item['sk']).startsWith('RESERVATION#') && item['status'] === 'HELD' && item['supplierId'] === SUPPLIER) held += Number(item['quantity']);
  }
  return { counter, held };
}

afterAll(async () => {
  await crash();
  if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
});

describe('crash and restart of the local runtime', () => {
  it('kill -9 with orders in every stage: after a restart on the same state every order resumes or stays surfaced; 0 lost', async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'dropship-crash-'));
    await start();
    const counterBefore = (await reservationBooks([])).counter;

    // Stages before the crash.
    const awaitingAcceptance = await placeOrder();
    const accepted = await placeOrder();
    const shipped = await placeOrder();
    const onHold = await placeOrder('pending');
    await fulfillmentWhen(awaitingAcceptance, 'dispatched', (f) => f['status'] === 'DISPATCHED');
    await accept(accepted);
    await ship(shipped, await accept(shipped));
    await waitForStatus(onHold, ['ON_HOLD']);
    // The last one is as young as it gets: received, and its workflow (maybe) just started.
    const received = await placeOrder();

    const stages: Record<string, string> = { received, awaitingAcceptance, accepted, shipped, onHold };
    const before: Record<string, string> = {};
    for (const [stage, id] of Object.entries(stages)) before[stage] = await statusOf(id);
    console.info(`crash-restart: before the crash ${JSON.stringify(before)}`);
    expect(before).toMatchObject({ awaitingAcceptance: 'IN_FULFILLMENT', accepted: 'IN_FULFILLMENT', shipped: 'SHIPPED', onHold: 'ON_HOLD' });

    await crash();
    await start();

    // Nothing was lost at the moment of the restart: every order is still there, in the same or a later stage,
    // and its execution runs again (restarted from the stored state).
    for (const [stage, id] of Object.entries(stages)) expect(await statusOf(id), stage).not.toBe('MISSING');
    const restarted = await waitFor('every execution to run again after the restart', async () => {
      const res = await fetch(e.stepFunctions.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AWSStepFunctions.ListExecutions' },
        body: JSON.stringify({ stateMachineArn: e.stepFunctions.stateMachineArn, statusFilter: 'RUNNING', maxResults: 100 }),
        signal: AbortSignal.timeout(20_000),
      });
      const names = new Set(((await res.json()) as { executions?: { name: string }[] }).executions?.map((x) => x.name) ?? []);
      const running = Object.values(stages).filter((id) => names.has(id)).length;
      return running === Object.keys(stages).length ? running : undefined;
    });
    console.info(`crash-restart: executions running again after the restart: ${restarted} of ${Object.keys(stages).length}`);

    // Resume every stage through to delivery (the hold through an operator's approval).
    await waitFor('the hold to be waiting for a decision again', async () => {
      const res = await opsFetch(e, 'POST', `/ops/orders/${onHold}/approve`, { note: 'paid by bank transfer' });
      return res.status === 200 ? true : undefined;
    });
    for (const id of [received, awaitingAcceptance, onHold]) {
      const f = await accept(id);
      await ship(id, f);
    }
    await ship(accepted, await fulfillmentWhen(accepted, 'accepted', (x) => x['status'] === 'ACCEPTED'));
    for (const id of Object.values(stages)) await deliver(id);
    const after: Record<string, string> = {};
    for (const [stage, id] of Object.entries(stages)) after[stage] = await waitForStatus(id, ['DELIVERED'], 120_000);

    const lost = Object.values(after).filter((s) => !FINAL.has(s) && s !== 'ON_HOLD').length;
    console.info(`crash-restart: before ${JSON.stringify(before)}; after ${JSON.stringify(after)}; lost ${lost}`);
    expect(lost).toBe(0);
    // Reservations stayed exact across the crash (counter = Σ HELD at every look), and once Complete ran for every
    // delivered order they are all consumed: the counter is back where it started, nothing HELD.
    const books = await reservationBooks(Object.values(stages));
    expect(books.counter - counterBefore).toBe(books.held);
    await waitFor('every reservation to be consumed', async () => {
      const now = await reservationBooks(Object.values(stages));
      expect(now.counter - counterBefore).toBe(now.held);
      return now.held === 0 ? now : undefined;
    }, 120_000);
  }, 1_200_000);
});
