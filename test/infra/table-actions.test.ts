/**
 * Per-function table actions (dev stack): each function's role grants exactly the DynamoDB item actions its
 * code sends, pinned here function by function. DeleteItem (no bundle sends it: used task tokens are overwritten by
 * the next wait, TTL removes the last) and BatchWriteItem (inventory offer writes) only where the bundle sends them; the local runtime does not
 * enforce IAM, so these assertions are what keeps a grant from drifting away from the code.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_FILE, bundleEntries } from '../../lib/bundling';
import { TABLE_EXTRA_ACTIONS, TABLE_LEADING_KEYS } from '../../lib/constructs/order-store';
import { type Statement, type Synthesized, actionsOf, functionIdByEntry, resourcesOfType, roleOfFunction, roleStatements, synthesize } from './support';

const READ = ['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:Query'];
const WRITE = [...READ, 'dynamodb:PutItem', 'dynamodb:UpdateItem'];
const DELETE = 'dynamodb:DeleteItem';
const BATCH_WRITE = 'dynamodb:BatchWriteItem';
const STREAM = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'];

/** Every function's DynamoDB actions, pinned. */
const EXPECTED: Readonly<Record<string, readonly string[]>> = {
  'functions/api/availability.ts': READ,
  'functions/api/get-order.ts': READ,
  'functions/ops/exceptions.ts': READ,
  'functions/ops/orders-find.ts': READ,
  'functions/ops/order-look.ts': READ,
  'functions/ops/documents.ts': READ,
  'functions/ops/suppliers.ts': WRITE,
  'functions/ops/dead-letters.ts': [],
  'functions/api/create-order.ts': WRITE,
  'functions/api/cancel-order.ts': WRITE,
  'functions/notifications/enqueue.ts': READ,
  'functions/notifications/deliver.ts': WRITE,
  'functions/api/change-address.ts': WRITE,
  'functions/ops/order-act.ts': WRITE,
  'functions/api/shopify-webhook.ts': WRITE,
  'functions/api/update-payment.ts': WRITE,
  'functions/api/woocommerce-webhook.ts': WRITE,
  'functions/workflow/validate-and-route.ts': WRITE,
  'functions/workflow/reroute.ts': WRITE,
  'functions/workflow/flag-exception.ts': WRITE,
  'functions/workflow/cancel-fulfillment.ts': WRITE,
  'functions/workflow/cancel-order.ts': WRITE,
  'functions/workflow/complete.ts': WRITE,
  'functions/workflow/hold-on-failure.ts': WRITE,
  'functions/workflow/await-hold.ts': WRITE,
  'functions/workflow/await-milestone.ts': WRITE,
  'functions/workflow/dispatch.ts': WRITE,
  'functions/suppliers/inbound.ts': [...WRITE, BATCH_WRITE],
  'functions/suppliers/message-file.ts': [...WRITE, BATCH_WRITE],
  'functions/inventory/feed-file.ts': [...WRITE, BATCH_WRITE],
  'functions/inventory/refresh-feeds.ts': [...WRITE, BATCH_WRITE],
  'functions/sweeps/sweep-stale-feeds.ts': [...WRITE, BATCH_WRITE],
  'functions/sweeps/sweep-reservations.ts': WRITE,
  'functions/sweeps/sweep-dispatches.ts': WRITE,
  'functions/sweeps/sweep-orders.ts': WRITE,
  'functions/streams/stream-router.ts': STREAM,
  // issue 15: delivery exceptions, carrier claims, scorecards
  'functions/ops/delivery-exceptions.ts': WRITE,
  'functions/ops/claims.ts': WRITE,
  'functions/ops/scorecard.ts': READ,
  'functions/scorecards/on-domain-event.ts': WRITE,
  'functions/sweeps/sweep-lost-parcels.ts': WRITE,
  'functions/api/create-return.ts': WRITE,
  'functions/ops/returns.ts': WRITE,
};

/**
 * Functions whose table grant is limited to partitions (`dynamodb:LeadingKeys`, docs/infrastructure.md "Table
 * permissions per function"): read patterns, and write patterns where they differ. Every other function is listed there with the reason.
 */
const SCOPED: Readonly<Record<string, { readonly read: readonly string[]; readonly write?: readonly string[]; readonly indexes?: readonly string[] }>> = {
  'functions/api/availability.ts': { read: ['SKU#*', 'SKUSHARD#*', 'SUPPLIER#*'] },
  'functions/api/get-order.ts': { read: ['ORDER#*'] },
  'functions/notifications/enqueue.ts': { read: ['ORDER#*'] },
  'functions/notifications/deliver.ts': { read: ['NOTIFY#*', 'ORDER#*'], write: ['NOTIFY#*'] },
  'functions/ops/suppliers.ts': { read: ['SUPPLIER#*'], indexes: ['gsi3'] },
  'functions/ops/scorecard.ts': { read: ['SUPPLIER#*', 'SCORECARD#*'] },
  'functions/ops/claims.ts': { read: ['CLAIM#*', 'ORDER#*'], indexes: ['gsi3'] },
  'functions/scorecards/on-domain-event.ts': { read: ['ORDER#*', 'SCORECARD#*'], write: ['SCORECARD#*'] },
  'functions/sweeps/sweep-stale-feeds.ts': { read: ['SUPPLIER#*'] },
  'functions/sweeps/sweep-reservations.ts': { read: ['ORDER#*', 'SKU#*', 'SKUSHARD#*', 'SWEEP#*'], indexes: ['gsi2'] },
  'functions/inventory/feed-file.ts': { read: ['SKU#*', 'SKUSHARD#*', 'SUPPLIER#*', 'FILE#*'], indexes: ['gsi1'] },
  'functions/inventory/refresh-feeds.ts': { read: ['SKU#*', 'SKUSHARD#*', 'SUPPLIER#*', 'FILE#*'], indexes: ['gsi1'] },
};
const WRITES = new Set(['dynamodb:PutItem', 'dynamodb:UpdateItem', BATCH_WRITE]);

/** DynamoDB document-client commands → the IAM action each needs (transactions need the actions of their items). */
const COMMAND_ACTIONS: Readonly<Record<string, string>> = {
  GetCommand: 'dynamodb:GetItem',
  BatchGetCommand: 'dynamodb:BatchGetItem',
  QueryCommand: 'dynamodb:Query',
  PutCommand: 'dynamodb:PutItem',
  UpdateCommand: 'dynamodb:UpdateItem',
  DeleteCommand: DELETE,
  BatchWriteCommand: BATCH_WRITE,
};

let s: Synthesized;
let granted: Map<string, string[]>;
beforeAll(() => {
  s = synthesize({ stage: 'dev' });
  granted = new Map(
    resourcesOfType(s.json, 'AWS::Lambda::Function').map(([id, fn]) => [
      String(fn.Metadata?.['dropship:entry']),
      [...new Set(roleStatements(s.json, roleOfFunction(s.json, id)).flatMap(actionsOf).filter((a) => a.startsWith('dynamodb:')))].sort(),
    ]),
  );
});

describe('table actions per function', () => {
  it('every function of the stack is pinned here', () => {
    expect([...granted.keys()].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s', (entry, actions) => {
    expect(granted.get(entry)).toEqual([...actions].sort());
  });

  it('nobody gets DeleteItem or BatchWriteItem outside TABLE_EXTRA_ACTIONS', () => {
    const holders = [...granted].filter(([, a]) => a.includes(DELETE) || a.includes(BATCH_WRITE)).map(([entry]) => entry);
    expect(holders.sort()).toEqual(Object.keys(TABLE_EXTRA_ACTIONS).sort());
  });
});

describe('partition-scoped grants (dynamodb:LeadingKeys)', () => {
  const tableStatements = (entry: string): Statement[] =>
    roleStatements(s.json, roleOfFunction(s.json, functionIdByEntry(s.json, entry))).filter((st) => actionsOf(st).some((a) => a.startsWith('dynamodb:') && !STREAM.includes(a)));
  const leadingKeys = (st: Statement): unknown => (st.Condition as Record<string, Record<string, unknown>> | undefined)?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];
  const onIndex = (st: Statement): boolean => JSON.stringify(st.Resource).includes('/index/');

  it('the scoped functions are exactly these', () => {
    expect(Object.keys(TABLE_LEADING_KEYS).sort()).toEqual(Object.keys(SCOPED).sort());
  });

  it.each(Object.entries(SCOPED))('%s: every table statement is limited to its partitions, indexes only queried', (entry, scope) => {
    const statements = tableStatements(entry);
    expect(statements.length).toBeGreaterThan(0);
    const queried = statements.filter(onIndex).map((st) => /\/index\/(gsi\d)/.exec(JSON.stringify(st.Resource))?.[1]);
    expect(queried.sort()).toEqual([...(scope.indexes ?? [])].sort());
    for (const st of statements) {
      if (onIndex(st)) {
        expect(actionsOf(st)).toEqual(['dynamodb:Query']);
        expect(st.Condition).toBeUndefined();
        continue;
      }
      const writes = actionsOf(st).some((a) => WRITES.has(a));
      expect(leadingKeys(st), `${entry} ${actionsOf(st).join(',')}`).toEqual(writes ? (scope.write ?? scope.read) : scope.read);
    }
  });

  it('every other function keeps one unscoped grant (the reasons are in docs/infrastructure.md)', () => {
    const unscoped = [...granted.keys()].filter((entry) => !(entry in SCOPED) && (granted.get(entry) ?? []).some((a) => !STREAM.includes(a)));
    for (const entry of unscoped) for (const st of tableStatements(entry)) expect(leadingKeys(st), entry).toBeUndefined();
    // The coverage figure of issue 13's closing note.
    console.info(`LeadingKeys: ${Object.keys(SCOPED).length} of ${Object.keys(SCOPED).length + unscoped.length} table functions scoped`);
  });
});

describe('grants match the bundles', () => {
  // Reuses the content-addressed bundle cache (built once by the synth-with-bundling tests); builds otherwise.
  let code: Map<string, string>;
  beforeAll(() => {
    const entries = Object.keys(EXPECTED);
    const set = bundleEntries({ entries });
    code = new Map(entries.map((e) => {
      const dir = set.manifest.entries[e]?.dir ?? '';
      return [e, readFileSync(path.join(set.dir, dir, BUNDLE_FILE), 'utf8')];
    }));
  }, 600_000);

  it.each(Object.entries(SCOPED))('%s: a partition-scoped function queries an index only where it is granted one', (entry, scope) => {
    expect(/\bIndexName\b/.test(code.get(entry) ?? ''), entry).toBe((scope.indexes ?? []).length > 0);
  });

  it.each(Object.keys(EXPECTED).filter((e) => !e.startsWith('functions/streams/')))('%s: every command its bundle sends is granted, and DeleteItem/BatchWriteItem only if sent', (entry) => {
    const bundle = code.get(entry) ?? '';
    const sent = Object.entries(COMMAND_ACTIONS).filter(([command]) => new RegExp(`\\b${command}\\b`).test(bundle)).map(([, action]) => action);
    const actions = granted.get(entry) ?? [];
    // A read-only function's bundle may carry write commands of shared modules on paths it never takes: reads must be granted.
    const needed = EXPECTED[entry] === READ ? sent.filter((a) => READ.includes(a)) : sent;
    for (const action of needed) expect(actions, `${entry} sends ${action}`).toContain(action);
    for (const extra of [DELETE, BATCH_WRITE]) if (actions.includes(extra)) expect(sent, `${entry} is granted ${extra}`).toContain(extra);
  });
});
