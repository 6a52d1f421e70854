/** The scorecard updater's unit tests: a fake table seeded with the demo catalog, the updater's deps, bus events. */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { beforeEach } from 'vitest';
import type { ScorecardDeps } from '../../../functions/core/scorecards/services/scorecards';
import { FakeTable } from '../workflow/support/fake-table';
import { catalogItems, F1, makeWorld, type World } from '../workflow/support/world';

export const UPS = '1Z5R89390357567127';
export const ids = { fulfillmentId: F1, supplierId: 'nordic-home' };
export const bus = (type: string, when: string, data: Record<string, unknown>) => ({ detail: { type, at: when, data } });

/** A fresh table and world before each test (read them through the getters). */
export function scorecardWorld(): { readonly ddbMock: AwsClientStub<DynamoDBDocumentClient>; readonly table: FakeTable; readonly world: World; readonly deps: () => ScorecardDeps } {
  const ddbMock = mockClient(DynamoDBDocumentClient);
  let table = new FakeTable();
  let world = makeWorld(table);
  beforeEach(() => {
    ddbMock.reset();
    table = new FakeTable();
    table.install(ddbMock);
    table.seed(...catalogItems());
    world = makeWorld(table);
  });
  return {
    ddbMock,
    get table() {
      return table;
    },
    get world() {
      return world;
    },
    deps: () => ({ store: world.store, now: world.deps.now, logger: world.deps.logger }),
  };
}
