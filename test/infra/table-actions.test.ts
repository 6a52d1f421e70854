/**
 * Per-function table actions (dev stack): each function's role grants exactly the DynamoDB item actions its
 * code sends, pinned here function by function. DeleteItem (task tokens deleted once used) and
 * BatchWriteItem (inventory offer writes) only where the bundle sends them; the local runtime does not
 * enforce IAM, so these assertions are what keeps a grant from drifting away from the code.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_FILE, bundleEntries } from '../../lib/bundling';
import { TABLE_EXTRA_ACTIONS } from '../../lib/constructs/order-store';
import { type Synthesized, actionsOf, resourcesOfType, roleOfFunction, roleStatements, synthesize } from './support';

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
  'functions/api/cancel-order.ts': [...WRITE, DELETE],
  'functions/notifications/enqueue.ts': READ,
  'functions/notifications/deliver.ts': WRITE,
  'functions/api/change-address.ts': [...WRITE, DELETE],
  'functions/ops/order-act.ts': [...WRITE, DELETE],
  'functions/api/shopify-webhook.ts': [...WRITE, DELETE],
  'functions/api/update-payment.ts': [...WRITE, DELETE],
  'functions/api/woocommerce-webhook.ts': [...WRITE, DELETE],
  'functions/workflow/validate-and-route.ts': WRITE,
  'functions/workflow/reroute.ts': WRITE,
  'functions/workflow/flag-exception.ts': WRITE,
  'functions/workflow/cancel-fulfillment.ts': WRITE,
  'functions/workflow/cancel-order.ts': WRITE,
  'functions/workflow/complete.ts': WRITE,
  'functions/workflow/await-hold.ts': [...WRITE, DELETE],
  'functions/workflow/await-milestone.ts': [...WRITE, DELETE],
  'functions/workflow/dispatch.ts': [...WRITE, DELETE],
  'functions/suppliers/inbound.ts': [...WRITE, DELETE, BATCH_WRITE],
  'functions/suppliers/message-file.ts': [...WRITE, DELETE, BATCH_WRITE],
  'functions/inventory/feed-file.ts': [...WRITE, BATCH_WRITE],
  'functions/inventory/refresh-feeds.ts': [...WRITE, BATCH_WRITE],
  'functions/sweeps/sweep-stale-feeds.ts': [...WRITE, BATCH_WRITE],
  'functions/sweeps/sweep-reservations.ts': WRITE,
  'functions/sweeps/sweep-dispatches.ts': WRITE,
  'functions/sweeps/sweep-orders.ts': WRITE,
  'functions/streams/stream-router.ts': STREAM,
};

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
