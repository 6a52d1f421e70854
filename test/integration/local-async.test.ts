/**
 * The local runtime's asynchronous emulation on a hand-written fixture (fixtures/async-template.json with
 * fixtures/handlers/flow.ts), independent of the project's workflow: the Step Functions stand-in (API
 * semantics and errors as AWS, task tokens, timeouts, retries, Map, stop/redrive), SQS event source
 * mappings (filters, partial batch failures, redrive to the DLQ), DynamoDB stream mappings (filters,
 * checkpoint semantics), EventBridge (patterns, input transformer, schedules) and the pattern matcher.
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchesPattern, parsePattern, passesFilters } from '../../local/emulators/patterns';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime/runtime';
import { countTransitions } from '../../local/emulators/stepfunctions/service';
import { asTemplate } from '../../local/template/cfn';
import { endpoints } from './helpers';
import { waitFor } from './workflow-helpers';

const fixture = asTemplate(JSON.parse(await readFile(new URL('./fixtures/async-template.json', import.meta.url), 'utf8')), 'async fixture');
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

describe('event patterns (EventBridge rules and event source filters)', () => {
  const event = {
    source: 'dropship.pipeline',
    'detail-type': 'OrderDelivered',
    detail: { orderId: 'ord_1', amount: 12.5, tags: ['a', 'b'], nested: { entity: { S: 'Order' } }, nothing: null },
  };
  it.each([
    [{ source: ['dropship.pipeline'] }, true],
    [{ source: ['other', 'dropship.pipeline'] }, true],
    [{ source: ['other'] }, false],
    [{ detail: { orderId: [{ prefix: 'ord_' }] } }, true],
    [{ detail: { orderId: [{ prefix: 'ret_' }] } }, false],
    [{ detail: { orderId: [{ suffix: '_1' }] } }, true],
    [{ detail: { orderId: [{ 'equals-ignore-case': 'ORD_1' }] } }, true],
    [{ detail: { orderId: [{ wildcard: 'ord*1' }] } }, true],
    [{ detail: { orderId: [{ 'anything-but': ['ord_1'] }] } }, false],
    [{ detail: { orderId: [{ 'anything-but': { prefix: 'ret_' } }] } }, true],
    [{ detail: { amount: [{ numeric: ['>', 10, '<=', 12.5] }] } }, true],
    [{ detail: { amount: [{ numeric: ['<', 10] }] } }, false],
    [{ detail: { tags: ['b'] } }, true],
    [{ detail: { missing: [{ exists: false }] } }, true],
    [{ detail: { missing: [{ exists: true }] } }, false],
    [{ detail: { orderId: [{ exists: true }] } }, true],
    [{ detail: { nothing: [null] } }, true],
    [{ detail: { nested: { entity: { S: ['Order', 'TimelineEvent'] } } } }, true],
    [{ detail: { nested: { entity: { S: ['Fulfillment'] } } } }, false],
    [{ $or: [{ source: ['x'] }, { 'detail-type': ['OrderDelivered'] }] }, true],
    [{ detail: { absent: { deeper: ['x'] } } }, false],
  ])('%j matches: %s', (pattern, expected) => {
    expect(matchesPattern(parsePattern(pattern, 'test'), event)).toBe(expected);
  });

  it('rejects unsupported matchers and applies "any filter" semantics for FilterCriteria', () => {
    expect(() => parsePattern({ a: [{ regex: 'x' }] }, 'test')).toThrow(/unsupported matcher/);
    expect(() => parsePattern({ a: 'x' }, 'test')).toThrow(/must be an array/);
    const filters = [parsePattern('{"eventName":["INSERT"]}', 'f1'), parsePattern('{"eventName":["REMOVE"]}', 'f2')];
    expect(passesFilters(filters, { eventName: 'REMOVE' })).toBe(true);
    expect(passesFilters(filters, { eventName: 'MODIFY' })).toBe(false);
    expect(passesFilters([], { anything: 1 })).toBe(true);
  });
});

describe('asynchronous emulation on the fixture template', () => {
  let runtime: LocalRuntime;
  let dataDir: string;
  let sfn: SFNClient;
  let sqs: SQSClient;
  let machine: string;
  const observed: { kind: string; detail: Record<string, unknown> }[] = [];

  const queueUrl = (logicalId: string): string => {
    const q = runtime.endpoints.sqs.queues.find((x) => x.logicalId === logicalId);
    if (q === undefined) throw new Error(`no queue ${logicalId}`);
    return q.url;
  };

  /** Drain the ObservedQueue into `observed`; return the entries matching `pick`. */
  async function seen(pick: (o: { kind: string; detail: Record<string, unknown> }) => boolean): Promise<{ kind: string; detail: Record<string, unknown> }[]> {
    for (;;) {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl('ObservedQueue'), MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      if ((out.Messages ?? []).length === 0) break;
      for (const m of out.Messages ?? []) {
        observed.push(JSON.parse(m.Body ?? '{}') as { kind: string; detail: Record<string, unknown> });
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl('ObservedQueue'), ReceiptHandle: m.ReceiptHandle ?? '' }));
      }
    }
    return observed.filter(pick);
  }

  async function tokenFor(label: string): Promise<string> {
    const hit = await waitFor(`the task token of ${label}`, async () => (await seen((o) => o.kind === 'token' && o.detail['label'] === label))[0], 15_000, 100);
    return String(hit.detail['token']);
  }

  async function start(name: string, input: Record<string, unknown>): Promise<string> {
    const out = await sfn.send(new StartExecutionCommand({ stateMachineArn: machine, name, input: JSON.stringify({ n: 1, failTimes: 0, waitSeconds: 360_000, items: [], ...input }) }));
    return out.executionArn ?? '';
  }

  async function statusOf(arn: string, wanted: string): Promise<void> {
    await waitFor(`${arn} ${wanted}`, async () => ((await sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).status === wanted ? true : undefined), 15_000, 100);
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'dropship-async-'));
    runtime = await startLocalRuntime({
      dataDir,
      port: 0,
      quiet: true,
      seed: false,
      warm: true,
      template: { stackName: 'Fixture', template: fixture },
      dynamodbEndpoint: endpoints().dynamodb.endpoint,
      // Local time: one hour lasts one second (Wait 3600 s, rate(1 hour), callback timeouts).
      timeScale: 1 / 3600,
      retryScale: 0.05,
      schedules: true,
    });
    sfn = new SFNClient({ endpoint: runtime.endpoints.stepFunctions.endpoint, region: 'us-east-1', credentials });
    sqs = new SQSClient({ endpoint: runtime.endpoints.sqs.endpoint, region: 'us-east-1', credentials });
    machine = runtime.endpoints.stepFunctions.stateMachineArn ?? '';
  }, 60_000);

  afterAll(async () => {
    await runtime?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('reads queues, mappings, the state machine, buses and rules from the template', () => {
    const m = runtime.model;
    expect(m.queues.map((q) => q.queueName).sort()).toEqual(['Fixture-orders.fifo', 'ObservedQueue', 'RuleQueue', 'StreamDlq', 'WorkDlq', 'WorkQueue']);
    const work = m.queues.find((q) => q.logicalId === 'WorkQueue');
    expect(work?.redrive).toMatchObject({ deadLetterLogicalId: 'WorkDlq', deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:WorkDlq', maxReceiveCount: 2 });
    expect(work?.url).toBe(`${runtime.endpoints.sqs.endpoint}/000000000000/WorkQueue`);
    expect(m.queues.find((q) => q.logicalId === 'NamedFifoQueue')).toMatchObject({ fifo: true, attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' } });
    expect(m.functions.find((f) => f.logicalId === 'WorkFunction')?.environment['OBSERVED_QUEUE_URL']).toBe(queueUrl('ObservedQueue'));
    expect(m.eventSourceMappings.map((x) => [x.logicalId, x.source.kind, x.functionLogicalId])).toEqual([
      ['WorkMapping', 'sqs', 'ConsumerFunction'],
      ['StreamMapping', 'dynamodb', 'StreamFunction'],
    ]);
    expect(m.eventSourceMappings[1]).toMatchObject({ bisectOnError: true, maxRetryAttempts: 3, reportBatchItemFailures: true, onFailureArn: 'arn:aws:sqs:us-east-1:000000000000:StreamDlq' });
    expect(m.stateMachines.map((s) => [s.name, s.arn])).toEqual([['fixture-flow', 'arn:aws:states:us-east-1:000000000000:stateMachine:fixture-flow']]);
    expect(JSON.stringify(m.stateMachines[0]?.definition)).toContain('arn:aws:lambda:us-east-1:000000000000:function:WorkFunction');
    expect(m.eventBuses.map((b) => b.name)).toEqual(['default', 'fixture-bus']);
    expect(m.eventRules.map((r) => [r.logicalId, r.busName, r.scheduleExpression ?? null])).toEqual([
      ['FlowRule', 'fixture-bus', null],
      ['FlowSchedule', 'default', 'rate(1 hour)'],
    ]);
  });

  it('runs an execution: Retry on TransientError, scaled Wait, a task token per callback task, Map; history as AWS names it', async () => {
    const arn = await start('happy-1', { n: 1, failTimes: 2, items: [1, 2, 3] });
    const token = await tokenFor('happy-1');
    expect(token).not.toContain('__LOCAL_TASK_TOKEN__');
    await sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ ok: true }) }));
    await statusOf(arn, 'SUCCEEDED');
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    expect(JSON.parse(described.output ?? '{}')).toMatchObject({ step: { n: 2 }, callback: { ok: true }, fan: [{ n: 2 }, { n: 3 }, { n: 4 }] });
    const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000 }));
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('ExecutionStarted');
    expect(types.at(-1)).toBe('ExecutionSucceeded');
    expect(types.filter((t) => t === 'LambdaFunctionFailed')).toHaveLength(2);
    expect(types).toEqual(expect.arrayContaining(['WaitStateEntered', 'TaskScheduled', 'TaskSubmitted', 'TaskSucceeded', 'MapStateStarted', 'MapIterationStarted']));
    expect(events.filter((e) => e.type === 'MapIterationStarted')).toHaveLength(3);
    expect(countTransitions(events)).toBe(8); // Step, Pause, Callback, Fan, 3 x Each, Done
    // The same token again: the task is over.
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toMatchObject({ name: 'TaskTimedOut' });
  });

  it('answers token errors as AWS: InvalidToken, TaskDoesNotExist, InvalidOutput', async () => {
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: 'not-a-token', output: '{}' }))).rejects.toMatchObject({ name: 'InvalidToken' });
    const forged = `local1.${Buffer.from(JSON.stringify({ e: `${machine.replace(':stateMachine:', ':execution:')}:nope`, s: 'Callback', n: 'x' })).toString('base64url')}`;
    await expect(sfn.send(new SendTaskFailureCommand({ taskToken: forged, error: 'X' }))).rejects.toMatchObject({ name: 'TaskDoesNotExist' });
    const arn = await start('bad-output', {});
    const token = await tokenFor('bad-output');
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{not json' }))).rejects.toMatchObject({ name: 'InvalidOutput' });
    await sfn.send(new StopExecutionCommand({ executionArn: arn }));
  });

  it('StartExecution: same name + same input while running is the same execution, otherwise ExecutionAlreadyExists', async () => {
    const first = await start('unique-1', {});
    const again = await start('unique-1', {});
    expect(again).toBe(first);
    await expect(start('unique-1', { n: 2 })).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    await sfn.send(new SendTaskSuccessCommand({ taskToken: await tokenFor('unique-1'), output: '{}' }));
    await statusOf(first, 'SUCCEEDED');
    await expect(start('unique-1', {})).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: machine, name: 'bad name', input: '{}' }))).rejects.toMatchObject({ name: 'InvalidName' });
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: machine, input: '{oops' }))).rejects.toMatchObject({ name: 'InvalidExecutionInput' });
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: `${machine}-nope`, input: '{}' }))).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
  });

  it('SendTaskFailure: the error name is caught by the definition (error and cause in the history)', async () => {
    const arn = await start('refused-1', {});
    await sfn.send(new SendTaskFailureCommand({ taskToken: await tokenFor('refused-1'), error: 'Refused', cause: '{"why":"test"}' }));
    await statusOf(arn, 'SUCCEEDED');
    const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000 }));
    expect(events.find((e) => e.type === 'TaskFailed')?.taskFailedEventDetails).toMatchObject({ error: 'Refused', cause: '{"why":"test"}' });
    expect(events.filter((e) => e.type?.endsWith('StateEntered')).map((e) => e.stateEnteredEventDetails?.name)).toEqual(['Step', 'Pause', 'Callback', 'RefusedEnd']);
  });

  it('a callback without an answer times out (TimeoutSecondsPath, scaled) into States.Timeout', async () => {
    const arn = await start('late-1', { waitSeconds: 3600 }); // one local hour = 1 s
    await statusOf(arn, 'FAILED');
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    expect(described).toMatchObject({ error: 'TooLate', cause: 'no callback in time' });
    const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000 }));
    expect(events.find((e) => e.type === 'TaskTimedOut')?.taskTimedOutEventDetails?.error).toBe('States.Timeout');
  });

  it('a per-execution override pins a state timeout while the task waits (local-only /_local/overrides)', async () => {
    const arn = await start('pinned-1', {});
    await tokenFor('pinned-1');
    const res = await fetch(`${runtime.endpoints.stepFunctions.endpoint}/_local/overrides`, {
      method: 'POST',
      body: JSON.stringify({ executionArn: arn, stateTimeoutSeconds: { Callback: 0.2 } }),
    });
    expect(res.status).toBe(200);
    await statusOf(arn, 'FAILED');
  });

  it('StopExecution aborts a waiting execution (its token is dead); RedriveExecution runs it again', async () => {
    const arn = await start('stop-1', {});
    const token = await tokenFor('stop-1');
    await sfn.send(new StopExecutionCommand({ executionArn: arn, error: 'Operator', cause: 'test' }));
    const stopped = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    expect(stopped).toMatchObject({ status: 'ABORTED', error: 'Operator', redriveStatus: 'REDRIVABLE' });
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toMatchObject({ name: 'TaskTimedOut' });

    observed.splice(0, observed.length, ...observed.filter((o) => o.detail['label'] !== 'stop-1'));
    await sfn.send(new RedriveExecutionCommand({ executionArn: arn }));
    const second = await tokenFor('stop-1');
    expect(second).not.toBe(token);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: second, output: '{}' }));
    await statusOf(arn, 'SUCCEEDED');
    const done = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    expect(done.redriveCount).toBe(1);
    await expect(sfn.send(new RedriveExecutionCommand({ executionArn: arn }))).rejects.toMatchObject({ name: 'ExecutionNotRedrivable' });
    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machine, statusFilter: 'SUCCEEDED' }));
    expect(listed.executions?.map((x) => x.name)).toContain('stop-1');
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 5 }));
    expect(page.events).toHaveLength(5);
    expect(page.nextToken).toBeDefined();
  });

  it('SQS mapping: filters, partial batch failures retried after the (scaled) visibility timeout, then redriven to the DLQ', async () => {
    const url = queueUrl('WorkQueue');
    for (const body of ['ok-1', 'fail-1', 'ignored']) await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
    const dlq = await waitFor('fail-1 in the DLQ', async () => {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl('WorkDlq'), MaxNumberOfMessages: 10 }));
      return (out.Messages ?? []).find((m) => m.Body === 'fail-1');
    }, 20_000, 250);
    expect(dlq.Body).toBe('fail-1');
    const batches = await seen((o) => o.kind === 'sqs');
    const bodies = batches.flatMap((b) => (b.detail['records'] as { body: string; receiveCount: string; arn: string }[]));
    expect(bodies.filter((r) => r.body === 'ok-1')).toHaveLength(1);
    expect(bodies.filter((r) => r.body === 'fail-1').map((r) => r.receiveCount)).toEqual(['1', '2']);
    expect(bodies.some((r) => r.body === 'ignored')).toBe(false);
    expect(bodies[0]?.arn).toBe('arn:aws:sqs:us-east-1:000000000000:WorkQueue');
  });

  it('stream mapping: FilterCriteria on the record, retry from the first reported failure (checkpoint), MODIFY filtered out', async () => {
    const ddb = new DynamoDBClient({ endpoint: endpoints().dynamodb.endpoint, region: 'us-east-1', credentials });
    const put = (pk: string, entity: string): Promise<unknown> => ddb.send(new PutItemCommand({ TableName: 'AsyncFixtureTable', Item: { pk: { S: pk }, entity: { S: entity } } }));
    await put('s-a1', 'Keep');
    await put('s-skip', 'Other');
    await put('fail-s1', 'AlsoKeep');
    await put('s-a2', 'Keep');
    await ddb.send(new UpdateItemCommand({ TableName: 'AsyncFixtureTable', Key: { pk: { S: 's-a1' } }, UpdateExpression: 'SET touched = :t', ExpressionAttributeValues: { ':t': { BOOL: true } } }));
    const streamRecords = async (): Promise<{ eventName: string; pk: string }[]> =>
      (await seen((o) => o.kind === 'stream')).flatMap((o) => o.detail['records'] as { eventName: string; pk: string }[]);
    await waitFor('fail-s1 retried and s-a2 delivered', async () => {
      const all = await streamRecords();
      return all.some((r) => r.pk === 's-a2') && all.filter((r) => r.pk === 'fail-s1').length >= 2 ? true : undefined;
    }, 20_000, 200);
    await new Promise((resolve) => setTimeout(resolve, 500)); // nothing more may arrive (no replay of s-a1)
    const records = await streamRecords();
    const pks = records.map((r) => r.pk);
    expect(pks.filter((p) => p === 's-a1')).toHaveLength(1);
    expect(pks.filter((p) => p === 'fail-s1').length).toBeGreaterThanOrEqual(2);
    expect(pks).not.toContain('s-skip');
    expect(records.every((r) => r.eventName === 'INSERT')).toBe(true);
    ddb.destroy();
  });

  it('EventBridge: PutEvents validated as AWS, rule pattern + input transformer to an SQS target, schedule rule fires on local time', async () => {
    const eb = new EventBridgeClient({ endpoint: runtime.endpoints.eventBridge.endpoint, region: 'us-east-1', credentials });
    const out = await eb.send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: 'fixture-bus', Source: 'fixture', DetailType: 'Matched', Detail: JSON.stringify({ orderId: 'ord_42', amount: 20 }) },
          { EventBusName: 'fixture-bus', Source: 'fixture', DetailType: 'TooSmall', Detail: JSON.stringify({ orderId: 'ord_43', amount: 5 }) },
          { EventBusName: 'fixture-bus', Source: 'fixture', DetailType: 'Bad', Detail: '{not json' },
          { EventBusName: 'no-such-bus', Source: 'fixture', DetailType: 'Lost', Detail: '{}' },
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(2);
    expect(out.Entries?.map((e) => e.ErrorCode ?? 'ok')).toEqual(['ok', 'ok', 'MalformedDetail', 'ResourceNotFoundException']);
    const received: string[] = [];
    await waitFor('the transformed event and a scheduled tick on RuleQueue', async () => {
      const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl('RuleQueue'), MaxNumberOfMessages: 10 }));
      for (const m of r.Messages ?? []) {
        received.push(m.Body ?? '');
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl('RuleQueue'), ReceiptHandle: m.ReceiptHandle ?? '' }));
      }
      return received.some((b) => b.includes('scheduled')) && received.some((b) => b.includes('ord_42')) ? true : undefined;
    }, 15_000, 200);
    expect(received.filter((b) => b.includes('ord_')).map((b) => JSON.parse(b) as unknown)).toEqual([{ order: 'ord_42', type: 'Matched' }]);
    const stored = (await (await fetch(`${runtime.endpoints.eventBridge.endpoint}/_local/events?bus=fixture-bus`)).json()) as { events: { event: { 'detail-type': string } }[] };
    expect(stored.events.map((e) => e.event['detail-type'])).toEqual(['Matched', 'TooSmall']);
    eb.destroy();
  });
});
