/**
 * The domain event bus and the stream router (dev stack): the table stream mapping's filter, failure
 * handling and permissions.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DOMAIN_EVENT_SOURCE, ORDER_EVENTS_LOGICAL_IDS, STREAM_ROUTER_ENTRY } from '../../lib/constructs/order-events';
import { type Synthesized, actionsOf, arr, functionEnv, functionIdByEntry, props, rec, referencedId, renderIntrinsics, resourcesOfType, roleOfFunction, roleStatements, synthesize } from './support';

let s: Synthesized;
let routerId: string;
beforeAll(() => {
  s = synthesize({ stage: 'dev' });
  routerId = functionIdByEntry(s.json, STREAM_ROUTER_ENTRY);
});

const streamMapping = (): Record<string, unknown> => {
  const mappings = resourcesOfType(s.json, 'AWS::Lambda::EventSourceMapping').filter(([, m]) => referencedId(props(m).FunctionName) === routerId);
  expect(mappings).toHaveLength(1);
  return props(mappings[0]?.[1] ?? { Type: '' });
};

describe('domain event bus', () => {
  it('is one custom bus under the pinned logical id, archived for replay', () => {
    expect(resourcesOfType(s.json, 'AWS::Events::EventBus').map(([id]) => id)).toEqual([ORDER_EVENTS_LOGICAL_IDS.bus]);
    const archive = props(s.json.Resources[ORDER_EVENTS_LOGICAL_IDS.archive] ?? { Type: '' });
    expect(renderIntrinsics(archive.SourceArn)).toBe(`<${ORDER_EVENTS_LOGICAL_IDS.bus}.Arn>`);
    expect(archive.EventPattern).toEqual({ source: [DOMAIN_EVENT_SOURCE] });
    expect(archive.RetentionDays).toBe(7);
  });

  it('is published as EventBusName', () => {
    expect(s.json.Outputs?.EventBusName?.Value).toEqual({ Ref: ORDER_EVENTS_LOGICAL_IDS.bus });
  });
});

describe('stream router mapping', () => {
  it('reads the table stream from the oldest record, reporting partial batch failures', () => {
    expect(renderIntrinsics(streamMapping().EventSourceArn)).toBe('<PipelineTable.StreamArn>');
    expect(streamMapping()).toMatchObject({ StartingPosition: 'TRIM_HORIZON', FunctionResponseTypes: ['ReportBatchItemFailures'] });
  });

  it('receives only INSERTs of Order, TimelineEvent and SupplierEvent items', () => {
    const filters = arr(rec(streamMapping().FilterCriteria).Filters).map((f) => JSON.parse(String(rec(f).Pattern)) as unknown);
    expect(filters).toEqual([{ eventName: ['INSERT'], dynamodb: { NewImage: { entity: { S: ['Order', 'TimelineEvent', 'SupplierEvent'] } } } }]);
  });

  it('bisects failing batches, retries a bounded number of times, and sends what still fails to its DLQ', () => {
    const m = streamMapping();
    expect(m.BisectBatchOnFunctionError).toBe(true);
    expect(m.MaximumRetryAttempts).toBe(10);
    expect(m.MaximumRecordAgeInSeconds).toBe(6 * 3600);
    expect(renderIntrinsics(rec(rec(rec(m.DestinationConfig).OnFailure)).Destination)).toBe(`<${ORDER_EVENTS_LOGICAL_IDS.streamDlq}.Arn>`);
  });
});

describe('stream router function', () => {
  it('gets STATE_MACHINE_ARN and EVENT_BUS_NAME', () => {
    expect(functionEnv(s.json, routerId)).toMatchObject({
      STATE_MACHINE_ARN: { Ref: 'OrderWorkflowStateMachine' },
      EVENT_BUS_NAME: { Ref: ORDER_EVENTS_LOGICAL_IDS.bus },
      TABLE_NAME: { Ref: 'PipelineTable' },
    });
  });

  it('may start executions of the workflow, put events on the bus, and read the stream; nothing more', () => {
    const statements = roleStatements(s.json, roleOfFunction(s.json, routerId));
    const resourcesOf = (action: string): string[] =>
      statements
        .filter((st) => actionsOf(st).includes(action))
        .flatMap((st) => arr(st.Resource))
        .map(renderIntrinsics);
    expect(resourcesOf('states:StartExecution')).toEqual(['<Ref:OrderWorkflowStateMachine>']);
    expect(resourcesOf('events:PutEvents')).toEqual([`<${ORDER_EVENTS_LOGICAL_IDS.bus}.Arn>`]);
    expect(resourcesOf('dynamodb:GetRecords')).toEqual(['<PipelineTable.StreamArn>']);
    expect(resourcesOf('sqs:SendMessage')).toEqual([`<${ORDER_EVENTS_LOGICAL_IDS.streamDlq}.Arn>`]);
    const actions = new Set(statements.flatMap(actionsOf));
    for (const forbidden of ['states:SendTaskSuccess', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Scan']) expect(actions.has(forbidden), forbidden).toBe(false);
  });
});
