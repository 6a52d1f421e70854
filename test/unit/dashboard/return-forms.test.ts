/**
 * The returns page's actions: which one a status offers, the bodies they post (a condition per line, the
 * close note), and that what the ops API answers (its own zod schemas) parses in the dashboard's schemas.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig, postAction } from '../../../dashboard/src/api';
import { returnActionFor } from '../../../dashboard/src/return-actions';
import { CloseReturnResult, ReceiveReturnResult, ReturnList } from '../../../dashboard/src/schemas';
import { ReturnsPage } from '../../../functions/core/ops/schemas/returns';
import { CloseReturnResponse } from '../../../functions/core/returns/schemas/returns';

const calls: { url: string; init: RequestInit }[] = [];

beforeEach(async () => {
  calls.length = 0;
  vi.stubGlobal('fetch', (url: string, init: RequestInit) => {
    if (url === 'config.json') return Promise.resolve(Response.json({ apiUrl: 'http://127.0.0.1:3000/prod', fetchBase: '/api', credentials: { accessKeyId: 'A', secretAccessKey: 'S' } }));
    calls.push({ url, init });
    return Promise.resolve(Response.json({ returnId: 'ret_1', orderId: 'ord_1', status: 'REFUND_REQUESTED', changed: true }));
  });
  await loadConfig();
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('returns page actions', () => {
  it.each([
    ['REQUESTED', 'authorize'],
    ['AUTHORIZED', 'receive'],
    ['IN_TRANSIT', 'receive'],
    ['REFUND_REQUESTED', 'close'],
    ['RECEIVED', undefined],
    ['REJECTED', undefined],
    ['CLOSED', undefined],
  ])('a %s return offers %s', (status, action) => {
    expect(returnActionFor(status)).toBe(action);
  });

  it('posts the receipt as { lines: [{ lineNo, condition }] } (nested JSON kept whole)', async () => {
    const answer = ReceiveReturnResult.parse(await postAction('/ops/returns/ret_1/receive', { lines: [{ lineNo: 1, condition: 'as_new' }, { lineNo: 2, condition: 'damaged' }] }));
    expect(calls[0]?.url).toBe('/api/ops/returns/ret_1/receive');
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ lines: [{ lineNo: 1, condition: 'as_new' }, { lineNo: 2, condition: 'damaged' }] });
    expect(answer).toEqual({ returnId: 'ret_1', orderId: 'ord_1', status: 'REFUND_REQUESTED', changed: true });
  });

  it('reads what the ops API answers: a listed return with its lines, a close result', () => {
    const page = ReturnsPage.parse({
      items: [
        {
          returnId: 'ret_1', orderId: 'ord_1', channelId: 'demo', supplierId: 'acme', fulfillmentId: 'ful_1', status: 'RECEIVED', reason: 'damaged', resolution: 'refund',
          destination: 'supplier', units: 3, goods: { amount: '29.80', currency: 'EUR' }, createdAt: '2026-12-07T10:00:00.000Z', updatedAt: '2026-12-07T11:00:00.000Z',
          unanswered: false, lines: [{ lineNo: 1, sku: 'MUG', quantity: 2, condition: 'opened' }, { lineNo: 2, sku: 'CUP', quantity: 1 }],
        },
      ],
    });
    expect(ReturnList.parse(page).items[0]?.lines).toEqual([{ lineNo: 1, sku: 'MUG', quantity: 2, condition: 'opened' }, { lineNo: 2, sku: 'CUP', quantity: 1 }]);
    const closed = CloseReturnResponse.parse({ returnId: 'ret_1', orderId: 'ord_1', status: 'CLOSED', closedBy: 'operator', changed: true });
    expect(CloseReturnResult.parse(closed)).toMatchObject({ status: 'CLOSED', closedBy: 'operator', changed: true });
  });

  it('reads a return of an older API without lines as none (the form then says so)', () => {
    const entry = ReturnList.parse({ items: [{ returnId: 'r', orderId: 'o', supplierId: 's', status: 'AUTHORIZED', reason: 'damaged', createdAt: '2026-12-07T10:00:00.000Z' }] }).items[0];
    expect(entry?.lines).toEqual([]);
  });
});
