import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadChannels } from '../../../functions/core/runtime/channels';
import { CHANNELS_ENV, SHOP_DOMAIN, SHOP_KEY_ID } from '../fixtures/requests';

const secretsMock = mockClient(SecretsManagerClient);

describe('getSecretString', () => {
  beforeEach(() => {
    secretsMock.reset();
    vi.resetModules();
    vi.stubEnv('AWS_REGION', 'us-east-1');
  });
  afterAll(() => vi.unstubAllEnvs());

  it('fetches once and serves later reads from the cache', async () => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: 's3cr3t' });
    const { getSecretString } = await import('../../../functions/core/runtime/clients');
    expect(await getSecretString('arn:secret:a')).toBe('s3cr3t');
    expect(await getSecretString('arn:secret:a')).toBe('s3cr3t');
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(secretsMock.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({ SecretId: 'arn:secret:a' });
  });

  it('decodes a binary secret as UTF-8', async () => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretBinary: new TextEncoder().encode('bin-secret') });
    const { getSecretString } = await import('../../../functions/core/runtime/clients');
    expect(await getSecretString('arn:secret:b')).toBe('bin-secret');
  });
});

describe('loadChannels', () => {
  it('indexes channels by API key id, id and shop domain (case-insensitive)', () => {
    const channels = loadChannels({ CHANNELS: CHANNELS_ENV });
    expect(channels.byApiKeyId(SHOP_KEY_ID)?.channelId).toBe('demo-shopify');
    expect(channels.byId('demo-web')?.platform).toBe('custom');
    expect(channels.byShopDomain(` ${SHOP_DOMAIN.toUpperCase()} `)?.channelId).toBe('demo-shopify');
    expect(channels.byApiKeyId(undefined)).toBeUndefined();
    expect(channels.byApiKeyId('')).toBeUndefined();
  });

  it.each([
    ['missing', {}],
    ['not JSON', { CHANNELS: '[{' }],
    ['wrong shape', { CHANNELS: '[{"channelId":"x"}]' }],
    ['duplicate ids', { CHANNELS: JSON.stringify([...JSON.parse(CHANNELS_ENV), ...JSON.parse(CHANNELS_ENV)]) }],
  ])('throws at cold start when CHANNELS is %s', (_label, env) => {
    expect(() => loadChannels(env)).toThrow(/CHANNELS/);
  });
});
