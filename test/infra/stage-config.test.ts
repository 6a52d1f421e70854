import { describe, expect, it } from 'vitest';
import { readCdkJsonContext } from '../../lib/app-builder';
import { workflowSettingsEnvironment } from '../../lib/constructs/workflow-settings';
import { type ContextSource, StageConfigError, loadStage, logicalIdPart, parseStageConfig } from '../../lib/stage-config';

const validStage = {
  logRetentionDays: 14,
  retainData: false,
  apiThrottle: { rateLimit: 10, burstLimit: 20 },
  channels: [{ id: 'web', name: 'Web', platform: 'custom', currency: 'EUR' }],
};

function contextOf(values: Record<string, unknown>): ContextSource {
  return { tryGetContext: (key: string): unknown => values[key] };
}

describe('loadStage', () => {
  it.each(['dev', 'prod'])('accepts the %s stage of cdk.json', (name) => {
    const stage = loadStage(contextOf({ ...readCdkJsonContext(), stage: name }));
    expect(stage.name).toBe(name);
    expect(stage.config.channels.length).toBeGreaterThan(0);
  });

  it('defaults to dev when no stage is selected', () => {
    const { stage: _ignored, ...context } = readCdkJsonContext();
    expect(loadStage(contextOf(context)).name).toBe('dev');
  });

  it('names the unknown stage and the known ones', () => {
    expect(() => loadStage(contextOf({ stage: 'staging', stages: { dev: validStage, prod: validStage } }))).toThrow(
      new StageConfigError('Unknown stage "staging". Known stages: dev, prod (select one with -c stage=<name>)'),
    );
  });

  it('fails clearly when cdk.json has no stages', () => {
    expect(() => loadStage(contextOf({ stage: 'dev' }))).toThrow(/Context "stages" is missing/);
  });

  it('defaults the log level to INFO', () => {
    expect(parseStageConfig('x', validStage).logLevel).toBe('INFO');
  });
});

describe('parseStageConfig', () => {
  it.each<[string, string, Record<string, unknown>]>([
    ['negative retention', 'stages.t.logRetentionDays', { logRetentionDays: -1 }],
    ['retainData not boolean', 'stages.t.retainData', { retainData: 'yes' }],
    ['missing throttle burst', 'stages.t.apiThrottle.burstLimit', { apiThrottle: { rateLimit: 1 } }],
    ['no channels', 'stages.t.channels', { channels: [] }],
    ['unknown property', 'stages.t', { logRetention: 3 }],
    ['bad channel id', 'stages.t.channels[0].id', { channels: [{ id: 'Web Store', name: 'W', platform: 'custom', currency: 'EUR' }] }],
    ['bad currency', 'stages.t.channels[0].currency', { channels: [{ id: 'web', name: 'W', platform: 'custom', currency: 'euro' }] }],
    ['shopify without domain', 'stages.t.channels[0].shopDomain', { channels: [{ id: 'shop', name: 'S', platform: 'shopify', currency: 'EUR' }] }],
    ['bad shop domain', 'stages.t.channels[0].shopDomain', { channels: [{ id: 'shop', name: 'S', platform: 'shopify', currency: 'EUR', shopDomain: 'shop.example.com' }] }],
    ['ids colliding in logical ids', 'stages.t.channels[1].id', { channels: [{ id: 'eu-1', name: 'A', platform: 'custom', currency: 'EUR' }, { id: 'eu1', name: 'B', platform: 'custom', currency: 'EUR' }] }],
    ['bad supplier id', 'stages.t.suppliers[0].id', { suppliers: [{ id: 'Nordic Home', name: 'N', channel: 'sqs' }] }],
    ['unknown supplier channel', 'stages.t.suppliers[0].channel', { suppliers: [{ id: 'n', name: 'N', channel: 'ftp' }] }],
    ['bad supplier account', 'stages.t.suppliers[0].accountId', { suppliers: [{ id: 'n', name: 'N', channel: 'sqs', accountId: '1234' }] }],
    ['external id without account', 'stages.t.suppliers[0].externalId', { suppliers: [{ id: 'n', name: 'N', channel: 'sqs', externalId: 'abc' }] }],
    ['supplier ids colliding in logical ids', 'stages.t.suppliers[1].id', { suppliers: [{ id: 'a-1', name: 'A', channel: 'sqs' }, { id: 'a1', name: 'B', channel: 'sqs' }] }],
    ['non-positive grace', 'stages.t.workflow.shipGraceDays', { workflow: { shipGraceDays: 0 } }],
    ['execution limit above a year', 'stages.t.workflow.stateMachineTimeoutDays', { workflow: { stateMachineTimeoutDays: 400 } }],
    ['unknown workflow setting', 'stages.t.workflow', { workflow: { holdHours: 3 } }],
    ['unknown routing rule', 'stages.t.workflow.routingRuleOrder[0]', { workflow: { routingRuleOrder: ['CHEAPEST_FIRST'] } }],
    ['routing rule twice', 'stages.t.workflow.routingRuleOrder', { workflow: { routingRuleOrder: ['SINGLE_SHIPMENT', 'SINGLE_SHIPMENT'] } }],
    ['unknown shipping method choice', 'stages.t.workflow.routingShippingMethod', { workflow: { routingShippingMethod: 'SLOWEST' } }],
    ['a schedule of 0 minutes', 'stages.t.sweeps.scheduleMinutes.sweepOrders', { sweeps: { scheduleMinutes: { sweepOrders: 0 } } }],
    ['a schedule longer than a day', 'stages.t.sweeps.scheduleMinutes.refreshFeeds', { sweeps: { scheduleMinutes: { refreshFeeds: 1441 } } }],
    ['an unknown scheduled job', 'stages.t.sweeps.scheduleMinutes', { sweeps: { scheduleMinutes: { sweepEverything: 5 } } }],
    ['a stuck deadline for a terminal status', 'stages.t.sweeps.stuckOrderMinutes', { sweeps: { stuckOrderMinutes: { DELIVERED: 60 } } }],
    ['a non-positive stuck deadline', 'stages.t.sweeps.stuckOrderMinutes.RECEIVED', { sweeps: { stuckOrderMinutes: { RECEIVED: 0 } } }],
    ['a page limit of 0', 'stages.t.sweeps.pageLimit', { sweeps: { pageLimit: 0 } }],
    ['a negative dispatch grace', 'stages.t.sweeps.dispatchGraceMinutes', { sweeps: { dispatchGraceMinutes: -5 } }],
    ['an inbox retention of 0 days', 'stages.t.files.inboxRetentionDays', { files: { inboxRetentionDays: 0 } }],
    ['an invalid bucket name', 'stages.t.files.bucketName', { files: { bucketName: 'Supplier_Files' } }],
    ['an unknown files setting', 'stages.t.files', { files: { encryption: 'kms' } }],
    ['a pull key with a leading slash', 'stages.t.suppliers[0].inventoryPull.key', { suppliers: [{ id: 'n', name: 'N', channel: 'sqs', inventoryPull: { key: '/feeds/stock.csv' } }] }],
    ['a pull key with a wildcard', 'stages.t.suppliers[0].inventoryPull.key', { suppliers: [{ id: 'n', name: 'N', channel: 'sqs', inventoryPull: { key: 'feeds/*.csv' } }] }],
    ['an invalid pull bucket', 'stages.t.suppliers[0].inventoryPull.bucket', { suppliers: [{ id: 'n', name: 'N', channel: 'sqs', inventoryPull: { key: 'a.csv', bucket: 'S3://x' } }] }],
  ])('rejects %s, naming %s', (_label, path, override) => {
    let message = '';
    try {
      parseStageConfig('t', { ...validStage, ...override });
    } catch (error) {
      expect(error).toBeInstanceOf(StageConfigError);
      message = error instanceof Error ? error.message : '';
    }
    expect(message).toContain('Invalid configuration for stage "t"');
    expect(message).toContain(`${path}:`);
  });

  it('accepts per-channel throttle and quota overrides', () => {
    const config = parseStageConfig('t', {
      ...validStage,
      channels: [{ id: 'web', name: 'W', platform: 'custom', currency: 'EUR', throttle: { rateLimit: 5, burstLimit: 10 }, quota: { limit: 1000, period: 'WEEK' } }],
    });
    expect(config.channels[0]?.quota).toEqual({ limit: 1000, period: 'WEEK' });
  });
});

describe('workflow settings and suppliers', () => {
  it('default to no suppliers, per-reason holds, 7-day graces, 60-day executions, a 30-day archive and a small ops throttle', () => {
    const config = parseStageConfig('t', validStage);
    expect(config.suppliers).toEqual([]);
    expect(config.workflow).toEqual({ shipGraceDays: 7, deliveryGraceDays: 7, stateMachineTimeoutDays: 60, transientRetryMinutes: 10, failureRetryMinutes: 60 });
    expect(config.eventArchiveRetentionDays).toBe(30);
    expect(config.opsApiThrottle).toEqual({ rateLimit: 10, burstLimit: 20 });
  });

  it('fail synth on a misspelt fraud key, naming it (the tasks would fail at cold start)', () => {
    expect(() => parseStageConfig('t', { ...validStage, workflow: { fraud: { reviewTreshold: 50 } } })).toThrow(StageConfigError);
    expect(() => parseStageConfig('t', { ...validStage, workflow: { fraud: { reviewTreshold: 50 } } })).toThrow(/stages\.t\.workflow\.fraud.*reviewTreshold/);
    expect(() => parseStageConfig('t', { ...validStage, workflow: { fraud: { reviewThreshold: 'high' } } })).toThrow(/stages\.t\.workflow\.fraud\.reviewThreshold/);
  });

  it('turn into the tasks\' environment, only what the stage sets', () => {
    const stage = (workflow: Record<string, unknown>) => ({ name: 't', config: parseStageConfig('t', { ...validStage, workflow }) });
    expect(workflowSettingsEnvironment(stage({}))).toEqual({ SHIP_GRACE_DAYS: '7', DELIVERY_GRACE_DAYS: '7' });
    expect(
      workflowSettingsEnvironment(
        stage({ holdTimeoutHours: 24, routingRuleOrder: ['LOWEST_LANDED_COST', 'SINGLE_SHIPMENT'], routingShippingMethod: 'FASTEST', fraud: { reviewThreshold: 50 } }),
      ),
    ).toEqual({
      SHIP_GRACE_DAYS: '7',
      DELIVERY_GRACE_DAYS: '7',
      HOLD_TIMEOUT_HOURS: '24',
      ROUTING_RULE_ORDER: 'LOWEST_LANDED_COST,SINGLE_SHIPMENT',
      ROUTING_SHIPPING_METHOD: 'FASTEST',
      FRAUD_CONFIG: '{"reviewThreshold":50}',
    });
    // Hot offers (docs/hot-sku.md): split over 2-32 allocation shards; 1 or 33 is refused at synth.
    expect(workflowSettingsEnvironment(stage({ hotSkus: [{ sku: 'KETTLE-GOOSENECK', supplierId: 'nordic-home', shards: 4 }] }))['HOT_SKUS']).toBe(
      '[{"sku":"KETTLE-GOOSENECK","supplierId":"nordic-home","shards":4}]',
    );
    expect(() => stage({ hotSkus: [{ sku: 'A', supplierId: 's', shards: 33 }] })).toThrow();
  });

  it('dev has the three demo suppliers, none with an AWS account', () => {
    const stage = loadStage(contextOf({ ...readCdkJsonContext(), stage: 'dev' }));
    expect(stage.config.suppliers.map((x) => [x.id, x.channel, x.accountId])).toEqual([
      ['nordic-home', 'sqs', undefined],
      ['atlantic-outfitters', 'file', undefined],
      ['pacific-gadgets', 'sqs', undefined],
    ]);
  });

  it('prod has one example supplier, with the account and external id every non-dev stage requires', () => {
    const stage = loadStage(contextOf({ ...readCdkJsonContext(), stage: 'prod' }));
    expect(stage.config.suppliers).toEqual([
      { id: 'example-supplier', name: 'Example supplier (replace)', channel: 'sqs', accountId: '123456789012', externalId: 'replace-with-the-agreed-external-id' },
    ]);
  });

  it.each([
    [{ id: 's', name: 'S', channel: 'sqs' }, /suppliers\[0\]\.accountId: required outside the dev stage[\s\S]*suppliers\[0\]\.externalId/],
    [{ id: 's', name: 'S', channel: 'file', accountId: '123456789012' }, /suppliers\[0\]\.externalId: required outside the dev stage/],
  ])('a non-dev stage refuses a supplier without accountId and externalId (synth fails)', (supplier, message) => {
    expect(() => parseStageConfig('staging', { ...validStage, suppliers: [supplier] })).toThrow(message);
    expect(parseStageConfig('dev', { ...validStage, suppliers: [supplier] }).suppliers).toHaveLength(1);
  });

  it('accepts a supplier with an account and an external id', () => {
    const config = parseStageConfig('t', { ...validStage, suppliers: [{ id: 's', name: 'S', channel: 'sqs', accountId: '123456789012', externalId: 'retailer-s' }] });
    expect(config.suppliers[0]).toMatchObject({ accountId: '123456789012', externalId: 'retailer-s' });
  });
});

describe('sweeps and supplier files', () => {
  it('default to 5-15 minute sweeps, an hourly refresh, 200 items per run, a 60-minute dispatch grace and per-status stuck deadlines', () => {
    const config = parseStageConfig('t', validStage);
    expect(config.sweeps).toEqual({
      scheduleMinutes: { sweepReservations: 5, sweepDispatches: 15, sweepOrders: 15, sweepStaleFeeds: 15, refreshFeeds: 60 },
      pageLimit: 200,
      dispatchGraceMinutes: 60,
      stuckOrderMinutes: { RECEIVED: 15, VALIDATED: 60, RESERVED: 60, ON_HOLD: 4500, IN_FULFILLMENT: 20160, PARTIALLY_SHIPPED: 43200, SHIPPED: 43200 },
    });
    expect(config.files).toEqual({
      inboxRetentionDays: 30,
      reportRetentionDays: 90,
      quarantineRetentionDays: 90,
      noncurrentVersionRetentionDays: 30,
      accessLogRetentionDays: 90,
      outboxPiiRetentionDays: 90,
      rejectedRowsAlarmThreshold: 100,
    });
  });

  it('fills unset schedules with their defaults and sweeps only the statuses listed', () => {
    const config = parseStageConfig('t', { ...validStage, sweeps: { scheduleMinutes: { refreshFeeds: 5 }, stuckOrderMinutes: { RECEIVED: 5 } } });
    expect(config.sweeps.scheduleMinutes).toEqual({ sweepReservations: 5, sweepDispatches: 15, sweepOrders: 15, sweepStaleFeeds: 15, refreshFeeds: 5 });
    expect(config.sweeps.stuckOrderMinutes).toEqual({ RECEIVED: 5 });
  });

  it('dev: pacific-gadgets publishes its feed into the files bucket for the scheduled refresh', () => {
    const stage = loadStage(contextOf({ ...readCdkJsonContext(), stage: 'dev' }));
    expect(stage.config.suppliers.filter((x) => x.inventoryPull !== undefined).map((x) => [x.id, x.inventoryPull])).toEqual([
      ['pacific-gadgets', { key: 'suppliers/pacific-gadgets/published/inventory.csv' }],
    ]);
  });

  it('prod keeps access logs a year and sweeps on the default schedule', () => {
    const stage = loadStage(contextOf({ ...readCdkJsonContext(), stage: 'prod' }));
    expect(stage.config.files.accessLogRetentionDays).toBe(365);
    expect(stage.config.sweeps.scheduleMinutes).toEqual(parseStageConfig('t', validStage).sweeps.scheduleMinutes);
  });
});

describe('logicalIdPart', () => {
  it.each([
    ['demo-web', 'DemoWeb'],
    ['demo-shopify', 'DemoShopify'],
    ['web', 'Web'],
    ['eu-2', 'Eu2'],
  ])('%s -> %s', (id, part) => {
    expect(logicalIdPart(id)).toBe(part);
  });
});
