import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { dispatchGraceFromEnv, loadSweepState, pageLimitFromEnv, runPagedSweep, type Key, type SweepQuery } from '../../../functions/core/sweeps/services/sweeps';
import { keys } from '../../../functions/core/runtime/table/keys';
import { FakeTable, TABLE } from '../workflow/support/fake-table';
import { harness, type Harness } from './support';

const ddbMock = mockClient(DynamoDBDocumentClient);
let table: FakeTable;
let h: Harness;

beforeEach(() => {
  ddbMock.reset();
  table = new FakeTable();
  table.install(ddbMock);
  h = harness();
  for (const group of ['A', 'B']) {
    for (let i = 1; i <= 3; i++) table.seed({ pk: `ITEM#${group}${i}`, sk: '#ITEM', gsi2pk: `GROUP#${group}`, gsi2sk: `${i}`, id: `${group}${i}` });
  }
});

const query = (group: string): SweepQuery => ({
  name: group,
  input: { TableName: TABLE, IndexName: 'gsi2', KeyConditionExpression: 'gsi2pk = :pk', ExpressionAttributeValues: { ':pk': `GROUP#${group}` } },
});

async function run(limit: number, fail: (id: string) => boolean = () => false): Promise<string[]> {
  const seen: string[] = [];
  await runPagedSweep(h.deps(limit), 'dispatches', [query('A'), query('B')], async (items: readonly Key[]) => {
    seen.push(...items.map((i) => String(i.id)));
    return items.filter((i) => fail(String(i.id))).length;
  });
  return seen;
}

describe('runPagedSweep', () => {
  it('reads at most the page limit per run, resumes each query from its cursor and rotates between queries', async () => {
    const runs: string[][] = [];
    for (let i = 0; i < 4; i++) runs.push(await run(2));
    expect(runs).toEqual([
      ['A1', 'A2'],
      ['A3', 'B1'],
      ['B2', 'B3'],
      ['A1', 'A2'],
    ]);
  });

  it('a run with room for everything reads every query to its end and clears the cursors', async () => {
    expect(await run(100)).toEqual(['A1', 'A2', 'A3', 'B1', 'B2', 'B3']);
    expect((await loadSweepState(h.deps().store, 'dispatches')).cursors).toEqual({});
  });

  it('a page of failures only: nothing saved and the run throws (alarm), so the same items come back', async () => {
    await expect(run(2, () => true)).rejects.toThrow(/all 2 items failed/);
    expect(table.get(keys.sweepState('dispatches').pk, '#STATE')).toBeUndefined();
    expect(await run(2)).toEqual(['A1', 'A2']);
  });

  it('some failures: counted, the sweep moves on', async () => {
    expect(await run(3, (id) => id === 'A2')).toEqual(['A1', 'A2', 'A3']);
    expect(table.get(keys.sweepState('dispatches').pk, '#STATE')?.lastRun).toEqual({ examined: 3, failed: 1, exhausted: ['A'] });
  });

  it('a cursor DynamoDB refuses (the key condition changed) starts that query over', async () => {
    table.seed({ ...keys.sweepState('dispatches'), cursors: { A: { pk: 'ITEM#A1', sk: '#ITEM', gsi2pk: 'GROUP#A', gsi2sk: '1' } }, next: 0 });
    table.failNext.push({ command: 'Query', error: Object.assign(new Error('Exclusive Start Key must be within the query boundaries'), { name: 'ValidationException' }) });
    expect(await run(2)).toEqual(['A1', 'A2']);
  });
});

describe('sweep configuration', () => {
  it.each<[string | undefined, number]>([
    [undefined, 200],
    ['', 200],
    ['50', 50],
    ['5000', 5000],
  ])('SWEEP_PAGE_LIMIT %j → %i', (value, expected) => {
    expect(pageLimitFromEnv(value === undefined ? {} : { SWEEP_PAGE_LIMIT: value })).toBe(expected);
  });

  it.each(['0', '5001', '2.5', 'many'])('refuses SWEEP_PAGE_LIMIT %j', (value) => {
    expect(() => pageLimitFromEnv({ SWEEP_PAGE_LIMIT: value })).toThrow(/SWEEP_PAGE_LIMIT/);
  });

  it('DISPATCH_GRACE_MINUTES defaults to 30 and refuses negatives', () => {
    expect(dispatchGraceFromEnv({})).toBe(30);
    expect(dispatchGraceFromEnv({ DISPATCH_GRACE_MINUTES: '0' })).toBe(0);
    expect(() => dispatchGraceFromEnv({ DISPATCH_GRACE_MINUTES: '-1' })).toThrow(/DISPATCH_GRACE_MINUTES/);
  });
});
