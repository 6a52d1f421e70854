import { describe, expect, it } from 'vitest';
import { readCdkJsonContext } from '../../lib/app-builder';
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
