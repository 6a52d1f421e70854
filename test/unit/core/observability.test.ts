import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BadRequestError, UnauthorizedError } from '../../../functions/core/kernel/errors';
import { correlateOrder, countSignatureFailure, tracingEnabled, type Observability } from '../../../functions/core/runtime/observability';
import { withPowertools } from '../../../functions/core/runtime/powertools';
import { WEBHOOK_SIGNATURE_FAILED } from '../../../functions/core/runtime/metric-names';

afterEach(() => {
  vi.restoreAllMocks();
});

function fakeObservability(): { obs: Observability; addMetric: ReturnType<typeof vi.fn>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = new Logger({ serviceName: 'test', logLevel: 'INFO' });
  // Powertools writes JSON lines to process.stdout through its own Console.
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    const text = String(chunk).trim();
    if (text.startsWith('{')) lines.push(JSON.parse(text) as Record<string, unknown>);
    return true;
  });
  const addMetric = vi.fn();
  const obs = { logger, metrics: { addMetric }, tracer: {} } as unknown as Observability;
  return { obs, addMetric, lines };
}

describe('countSignatureFailure', () => {
  it('counts a refused signature (401) and rethrows it unchanged', () => {
    const { obs, addMetric } = fakeObservability();
    const error = new UnauthorizedError('Invalid webhook signature');
    expect(() => countSignatureFailure(error, obs)).toThrow(error);
    expect(addMetric).toHaveBeenCalledWith(WEBHOOK_SIGNATURE_FAILED, 'Count', 1);
  });

  it.each([new BadRequestError('bad body'), new Error('boom')])('does not count %s (not a signature failure)', (error) => {
    const { obs, addMetric } = fakeObservability();
    expect(() => countSignatureFailure(error, obs)).toThrow(error);
    expect(addMetric).not.toHaveBeenCalled();
  });
});

describe('correlateOrder', () => {
  it('makes the order id the correlation id and keeps the API request id as requestId', () => {
    const { obs, lines } = fakeObservability();
    obs.logger.setCorrelationId('api-request-1');
    correlateOrder('ord_01JXYZ', obs);
    obs.logger.info('Order created');
    expect(lines.at(-1)).toMatchObject({ correlation_id: 'ord_01JXYZ', orderId: 'ord_01JXYZ', requestId: 'api-request-1' });
  });

  it('without a request id: correlation id and orderId only', () => {
    const { obs, lines } = fakeObservability();
    correlateOrder('ord_01JXYZ', obs);
    obs.logger.info('Task done');
    expect(lines.at(-1)).toMatchObject({ correlation_id: 'ord_01JXYZ', orderId: 'ord_01JXYZ' });
    expect(lines.at(-1)).not.toHaveProperty('requestId');
  });

  it.each([undefined, ''])('ignores a missing order id (%j)', (orderId) => {
    const { obs, lines } = fakeObservability();
    correlateOrder(orderId, obs);
    obs.logger.info('Nothing known');
    expect(lines.at(-1)).not.toHaveProperty('orderId');
    expect(lines.at(-1)).not.toHaveProperty('correlation_id');
  });
});

describe('tracingEnabled', () => {
  it.each([
    [{}, true],
    [{ POWERTOOLS_TRACE_ENABLED: 'true' }, true],
    [{ POWERTOOLS_TRACE_ENABLED: 'false' }, false],
    [{ POWERTOOLS_TRACE_ENABLED: ' FALSE ' }, false],
  ])('%j -> %s (Powertools\' switch; the local runtime sets false)', (env, expected) => {
    expect(tracingEnabled(env)).toBe(expected);
  });

  it('without a tracer the Powertools chain still runs the handler with logger and metrics', async () => {
    const { obs } = fakeObservability();
    const publish = vi.fn();
    const withFlush = { ...obs, metrics: { addMetric: vi.fn(), publishStoredMetrics: publish, captureColdStartMetric: vi.fn(), setThrowOnEmptyMetrics: vi.fn(), setDefaultDimensions: vi.fn() }, tracer: undefined } as unknown as Observability;
    const handler = withPowertools(async (event: { n: number }) => event.n * 2, withFlush);
    await expect(handler({ n: 21 }, { functionName: 'f', awsRequestId: 'r' } as never)).resolves.toBe(42);
    expect(publish).toHaveBeenCalledTimes(1);
  });
});
