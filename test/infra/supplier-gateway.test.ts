/**
 * The supplier channel over SQS: per-supplier queues and DLQs (dev stack), the inbound consumer and its
 * mappings, and the per-supplier access role (a construct stack with two suppliers that have AWS accounts).
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { BUNDLING_STACKS_CONTEXT, readCdkJsonContext } from '../../lib/app-builder';
import { OrderStore } from '../../lib/constructs/order-store';
import {
  INBOUND_CONSUMER_TIMEOUT,
  MAX_RECEIVE_COUNT,
  SUPPLIER_INBOUND_ACTIONS,
  SUPPLIER_INBOUND_ENTRY,
  SUPPLIER_OUTBOUND_ACTIONS,
  SupplierGateway,
  supplierLogicalIds,
} from '../../lib/constructs/supplier-gateway';
import { type Stage, parseStageConfig } from '../../lib/stage-config';
import {
  type CfnTemplate,
  type Synthesized,
  actionsOf,
  arr,
  functionEnv,
  functionIdByEntry,
  policyStatements,
  props,
  rec,
  referencedId,
  renderIntrinsics,
  resourcesOfType,
  roleOfFunction,
  roleStatements,
  synthesize,
} from './support';

const SUPPLIERS = ['nordic-home', 'atlantic-outfitters', 'pacific-gadgets'] as const;

let s: Synthesized;
beforeAll(() => {
  s = synthesize({ stage: 'dev' });
});

const queue = (logicalId: string): Record<string, unknown> => {
  const r = s.json.Resources[logicalId];
  expect(r?.Type, logicalId).toBe('AWS::SQS::Queue');
  return props(r ?? { Type: '' });
};

describe('queues (dev)', () => {
  it.each(SUPPLIERS)('%s has an inbound and an outbound queue, each with its own DLQ after %i receives', (id) => {
    for (const [q, dlq] of [
      [supplierLogicalIds.inboundQueue(id), supplierLogicalIds.inboundDlq(id)],
      [supplierLogicalIds.outboundQueue(id), supplierLogicalIds.outboundDlq(id)],
    ] as const) {
      expect(queue(q).RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: MAX_RECEIVE_COUNT });
      expect(queue(dlq).RedrivePolicy, dlq).toBeUndefined();
      expect(queue(dlq).MessageRetentionPeriod, dlq).toBe(14 * 86400);
    }
  });

  it('every queue of the stack is encrypted and refuses non-TLS access', () => {
    const queues = resourcesOfType(s.json, 'AWS::SQS::Queue');
    expect(queues).toHaveLength(SUPPLIERS.length * 4 + 3 + 3 + 1); // + the stream router's on-failure queue, the file-event and scheduled-job DLQs, the storefront notification queue and its 2 DLQs, the after-delivery DLQ
    const sslOnly = new Set(
      resourcesOfType(s.json, 'AWS::SQS::QueuePolicy')
        .filter(([, p]) =>
          arr(rec(props(p).PolicyDocument).Statement).some((st) => rec(st).Effect === 'Deny' && JSON.stringify(rec(st).Condition) === '{"Bool":{"aws:SecureTransport":"false"}}'),
        )
        .flatMap(([, p]) => arr(props(p).Queues).map(referencedId)),
    );
    for (const [id, q] of queues) {
      expect(props(q).SqsManagedSseEnabled, id).toBe(true);
      expect(sslOnly.has(id), id).toBe(true);
    }
  });

  it('inbound queues hide a message six consumer timeouts long (AWS guidance for SQS event sources)', () => {
    for (const id of SUPPLIERS) {
      expect(queue(supplierLogicalIds.inboundQueue(id)).VisibilityTimeout).toBe(INBOUND_CONSUMER_TIMEOUT.toSeconds() * 6);
    }
  });

  it('no supplier in dev has an AWS account, so there is no supplier role', () => {
    for (const id of SUPPLIERS) expect(s.json.Resources[supplierLogicalIds.accessRole(id)]).toBeUndefined();
  });

  it('publishes each supplier\'s queue URLs', () => {
    const outputs = s.json.Outputs ?? {};
    for (const id of SUPPLIERS) {
      const part = supplierLogicalIds.inboundQueue(id).replace('SupplierInboundQueue', '');
      expect(outputs[`SupplierInboundQueueUrl${part}`]?.Value).toEqual({ Ref: supplierLogicalIds.inboundQueue(id) });
      expect(outputs[`SupplierOutboundQueueUrl${part}`]?.Value).toEqual({ Ref: supplierLogicalIds.outboundQueue(id) });
    }
  });
});

describe('inbound consumer (dev)', () => {
  const fnId = (): string => functionIdByEntry(s.json, SUPPLIER_INBOUND_ENTRY);

  it('reads every inbound queue through its own mapping: batches of 10, 1 s window, partial batch failures', () => {
    const mappings = resourcesOfType(s.json, 'AWS::Lambda::EventSourceMapping').filter(([, m]) => referencedId(props(m).FunctionName) === fnId());
    expect(mappings.map(([, m]) => referencedId(props(m).EventSourceArn)).sort()).toEqual(SUPPLIERS.map(supplierLogicalIds.inboundQueue).sort());
    for (const [id, m] of mappings) {
      expect(props(m), id).toMatchObject({ BatchSize: 10, MaximumBatchingWindowInSeconds: 1, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    }
  });

  it('gets SUPPLIER_QUEUES with each supplier\'s queue ARN and URLs and its inbound DLQ', () => {
    const env = functionEnv(s.json, fnId());
    expect(JSON.parse(renderIntrinsics(env.SUPPLIER_QUEUES))).toEqual(
      SUPPLIERS.map((id) => ({
        supplierId: id,
        inboundQueueArn: `<${supplierLogicalIds.inboundQueue(id)}.Arn>`,
        inboundQueueUrl: `<Ref:${supplierLogicalIds.inboundQueue(id)}>`,
        outboundQueueUrl: `<Ref:${supplierLogicalIds.outboundQueue(id)}>`,
        inboundDlqUrl: `<Ref:${supplierLogicalIds.inboundDlq(id)}>`,
      })),
    );
    expect(env).toMatchObject({ TABLE_NAME: { Ref: 'PipelineTable' }, SHIP_GRACE_DAYS: '7', DELIVERY_GRACE_DAYS: '7' });
  });

  it('may consume the inbound queues, move poison messages to the inbound DLQs, re-send cancellations to the outbound queues, and answer the workflow\'s tasks', () => {
    const statements = roleStatements(s.json, roleOfFunction(s.json, fnId()));
    const on = (action: string): string[] =>
      statements
        .filter((st) => actionsOf(st).includes(action))
        .flatMap((st) => arr(st.Resource))
        .map((r) => referencedId(r) ?? renderIntrinsics(r))
        .sort();
    // Every supplier's outbound queue: a CANCELLATION goes again to a supplier that accepts a cancelled fulfillment.
    expect(on('sqs:SendMessage')).toEqual([...SUPPLIERS.map(supplierLogicalIds.inboundDlq), ...SUPPLIERS.map(supplierLogicalIds.outboundQueue)].sort());
    // Sending is all it may do there: never receive or delete what is meant for a supplier.
    for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']) {
      for (const id of SUPPLIERS) expect(on(action), `${action} ${id}`).not.toContain(supplierLogicalIds.outboundQueue(id));
    }
    for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes']) {
      expect(on(action), action).toEqual(SUPPLIERS.map(supplierLogicalIds.inboundQueue).sort());
    }
    expect(on('states:SendTaskSuccess')).toEqual(['OrderWorkflowStateMachine']);
    expect(on('states:SendTaskFailure')).toEqual(['OrderWorkflowStateMachine']);
    expect(statements.flatMap(actionsOf)).not.toContain('states:StartExecution');
  });
});

/** The after-delivery construct's DLQ (scorecard updates, lost-parcel sweep runs): its logical id carries a hash. */
const alarmedAfterDeliveryDlq = (): string => resourcesOfType(s.json, 'AWS::SQS::Queue').map(([id]) => id).find((id) => id.startsWith('AfterDeliveryDlq')) ?? 'AfterDeliveryDlq';

describe('DLQ alarms (dev)', () => {
  it('alarm on every dead-letter queue as soon as it holds a message', () => {
    const dlqs = [
      ...SUPPLIERS.flatMap((id) => [supplierLogicalIds.inboundDlq(id), supplierLogicalIds.outboundDlq(id)]),
      'StreamRouterDlq',
      'SupplierFileEventsDlq',
      'ScheduledJobsDlq',
      'StorefrontNotifyDlq',
      'StorefrontNotifyEnqueueDlq',
      alarmedAfterDeliveryDlq(),
    ];
    const alarmed = resourcesOfType(s.json, 'AWS::CloudWatch::Alarm')
      .filter(([, a]) => props(a).MetricName === 'ApproximateNumberOfMessagesVisible')
      .map(([, a]) => {
        expect(props(a)).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
        return referencedId(rec(arr(props(a).Dimensions)[0]).Value);
      });
    expect(alarmed.sort()).toEqual(dlqs.sort());
  });
});

// ---------------------------------------------------------------------------------------------- access roles

function gatewayWithAccounts(): { json: CfnTemplate; gateway: SupplierGateway } {
  const app = new App({ context: { [BUNDLING_STACKS_CONTEXT]: [] }, analyticsReporting: false, builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'GatewayTest');
  const stage: Stage = {
    name: 'test',
    // Parsed as dev: the roles without an external id or account below are only accepted there.
    config: parseStageConfig('dev', {
      logRetentionDays: 7,
      retainData: false,
      apiThrottle: { rateLimit: 1, burstLimit: 2 },
      channels: [{ id: 'web', name: 'Web', platform: 'custom', currency: 'EUR' }],
      suppliers: [
        { id: 'alpha', name: 'Alpha', channel: 'sqs', accountId: '111111111111', externalId: 'alpha-ext' },
        { id: 'beta', name: 'Beta', channel: 'sqs', accountId: '222222222222' },
        { id: 'gamma', name: 'Gamma', channel: 'file' },
      ],
    }),
  };
  const store = new OrderStore(stack, 'Store', { stage });
  const gateway = new SupplierGateway(stack, 'Suppliers', { stage, store });
  return { json: Template.fromStack(stack).toJSON() as CfnTemplate, gateway };
}

describe('supplier access roles', () => {
  let json: CfnTemplate;
  beforeAll(() => {
    ({ json } = gatewayWithAccounts());
  });

  it('exist only for suppliers with an AWS account', () => {
    expect(resourcesOfType(json, 'AWS::IAM::Role').map(([id]) => id).sort()).toEqual([supplierLogicalIds.accessRole('alpha'), supplierLogicalIds.accessRole('beta')]);
  });

  it.each([
    ['alpha', '111111111111', { StringEquals: { 'sts:ExternalId': 'alpha-ext' } }],
    ['beta', '222222222222', undefined],
  ] as const)('%s can be assumed only by its account %s (with its external id when configured)', (id, account, condition) => {
    const trust = arr(rec(props(json.Resources[supplierLogicalIds.accessRole(id)] ?? { Type: '' }).AssumeRolePolicyDocument).Statement).map(rec);
    expect(trust).toHaveLength(1);
    expect(trust[0]?.Action).toBe('sts:AssumeRole');
    expect(renderIntrinsics(rec(trust[0]?.Principal).AWS)).toBe(`arn:<AWS::Partition>:iam::${account}:root`);
    expect(trust[0]?.Condition).toEqual(condition);
  });

  it.each(['alpha', 'beta'])('%s may only send to its own inbound queue and read its own outbound queue', (id) => {
    const statements = roleStatements(json, supplierLogicalIds.accessRole(id));
    const grants = statements.map((st) => ({
      effect: st.Effect,
      actions: actionsOf(st).sort(),
      resources: arr(st.Resource).map((r) => referencedId(r)),
    }));
    expect(grants).toEqual([
      { effect: 'Allow', actions: [...SUPPLIER_INBOUND_ACTIONS].sort(), resources: [supplierLogicalIds.inboundQueue(id)] },
      { effect: 'Allow', actions: [...SUPPLIER_OUTBOUND_ACTIONS].sort(), resources: [supplierLogicalIds.outboundQueue(id)] },
    ]);
  });

  it('no supplier role can touch another supplier\'s queues or any DLQ', () => {
    for (const [owner, other] of [
      ['alpha', 'beta'],
      ['beta', 'alpha'],
      ['alpha', 'gamma'],
    ] as const) {
      const touched = roleStatements(json, supplierLogicalIds.accessRole(owner)).flatMap((st) => arr(st.Resource).map(referencedId));
      for (const foreign of [
        supplierLogicalIds.inboundQueue(other),
        supplierLogicalIds.outboundQueue(other),
        supplierLogicalIds.inboundDlq(owner),
        supplierLogicalIds.outboundDlq(owner),
      ]) {
        expect(touched, `${owner} -> ${foreign}`).not.toContain(foreign);
      }
    }
  });

  it('no queue policy grants suppliers anything (access is through the roles only)', () => {
    const allows = policyStatements(json).filter((st) => st.source.includes('QueuePolicy') && st.Effect === 'Allow');
    expect(allows).toEqual([]);
  });
});

describe('a supplier account configured in the stack', () => {
  let withRole: Synthesized;
  beforeAll(() => {
    const context = readCdkJsonContext();
    const stages = rec(context.stages);
    const dev = rec(stages.dev);
    const suppliers = arr(dev.suppliers).map((x) => (rec(x).id === 'pacific-gadgets' ? { ...rec(x), accountId: '123456789012', externalId: 'pg-ext' } : x));
    withRole = synthesize({ stage: 'dev', context: { stages: { ...stages, dev: { ...dev, suppliers } } } });
  });

  it('gets its role and publishes the role ARN', () => {
    expect(withRole.json.Resources[supplierLogicalIds.accessRole('pacific-gadgets')]?.Type).toBe('AWS::IAM::Role');
    expect(withRole.json.Outputs?.SupplierRoleArnPacificGadgets?.Value).toEqual({ 'Fn::GetAtt': [supplierLogicalIds.accessRole('pacific-gadgets'), 'Arn'] });
  });

  it('adds no cdk-nag finding', () => {
    for (const pack of [new AwsSolutionsChecks(), new ServerlessChecks()]) {
      expect(pack.validateScope(withRole.app).violations.map((v) => v.ruleName)).toEqual([]);
    }
  });
});
