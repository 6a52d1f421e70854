/**
 * Real esbuild bundling of every function (local esbuild, no Docker): ESM with the createRequire banner,
 * source maps, the AWS SDK and Powertools left to the runtime-deps layer, class names kept through minification,
 * a size ceiling (the per-function budgets are in bundle-sizes.test.ts).
 * One synth with bundling for the whole file.
 */
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SCHEDULED_ENTRIES } from '../../lib/constructs/inventory-sync';
import { AFTER_DELIVERY_ENTRIES } from '../../lib/constructs/after-delivery/scorecards';
import { OPS_ENTRIES } from '../../lib/constructs/ops-api';
import { STREAM_ROUTER_ENTRY } from '../../lib/constructs/order-events';
import { SUPPLIER_REJECTED_ERROR, WORKFLOW_ENTRIES } from '../../lib/constructs/order-workflow';
import { ESM_REQUIRE_BANNER } from '../../lib/constructs/pipeline-function';
import { SUPPLIER_FILE_ENTRIES } from '../../lib/constructs/supplier-files';
import { SUPPLIER_INBOUND_ENTRY } from '../../lib/constructs/supplier-gateway';
import { type Synthesized, props, rec, resourcesOfType, synthesize } from './support';
import { NOTIFY_DELIVER_ENTRY, NOTIFY_ENQUEUE_ENTRY } from '../../lib/constructs/storefront-notifications';

let s: Synthesized;
let outdir: string;
// 26 esbuild bundles: about 15 s on a quiet machine, minutes when other work shares the cores.
beforeAll(() => {
  outdir = mkdtempSync(path.join(tmpdir(), 'dropship-bundle-test-'));
  s = synthesize({ stage: 'dev', bundling: true, outdir });
}, 360_000);

const ENTRIES = [
  'functions/api/create-order.ts',
  'functions/api/get-order.ts',
  'functions/api/shopify-webhook.ts',
  'functions/api/update-payment.ts',
  'functions/api/cancel-order.ts',
  'functions/api/availability.ts',
  'functions/api/woocommerce-webhook.ts',
  'functions/api/change-address.ts',
  'functions/api/create-return.ts',
  ...Object.values(OPS_ENTRIES),
  ...Object.values(AFTER_DELIVERY_ENTRIES),
  STREAM_ROUTER_ENTRY,
  SUPPLIER_INBOUND_ENTRY,
  ...Object.values(WORKFLOW_ENTRIES),
  ...Object.values(SUPPLIER_FILE_ENTRIES),
  ...Object.values(SCHEDULED_ENTRIES),
  NOTIFY_ENQUEUE_ENTRY,
  NOTIFY_DELIVER_ENTRY,
];

/** entry → staged bundle directory. */
function bundles(): Map<string, string> {
  // The code asset's S3 key is `<asset hash>.zip`; the staged bundle is `<outdir>/asset.<asset hash>/`.
  return new Map(
    resourcesOfType(s.json, 'AWS::Lambda::Function').map(([, fn]) => {
      const key = String(rec(props(fn).Code).S3Key);
      return [String(fn.Metadata?.['dropship:entry']), path.join(outdir, `asset.${key.replace(/\.zip$/, '')}`)];
    }),
  );
}

/**
 * Per-bundle ceiling for index.mjs (minified, without source map); the real per-function budgets (300 KB,
 * 700 KB for the PDF renderers) are in bundle-sizes.test.ts. Crossing it means a dependency (or the AWS SDK)
 * got inlined by accident: cold starts grow with the bundle.
 */
const BUNDLE_BUDGET_BYTES = 1536 * 1024;

const code = (entry: string): string => readFileSync(path.join(bundles().get(entry) ?? '', 'index.mjs'), 'utf8');

describe('bundles', () => {
  it('exist for every function', () => {
    expect([...bundles().keys()].sort()).toEqual([...ENTRIES].sort());
  });

  it.each(ENTRIES)('%s is one ESM file with the createRequire banner and a source map', (entry) => {
    const text = code(entry);
    expect(text.startsWith(ESM_REQUIRE_BANNER), entry).toBe(true);
    expect(text, entry).toMatch(/export\s*\{[^}]*\bhandler\b[^}]*\}/);
    expect(text, entry).toContain('//# sourceMappingURL=index.mjs.map');
    expect(existsSync(path.join(bundles().get(entry) ?? '', 'index.mjs.map')), entry).toBe(true);
  });

  it.each(ENTRIES)('%s leaves @aws-sdk/* to the runtime-deps layer', (entry) => {
    const text = code(entry);
    // Imported when used, never inlined: the DynamoDB protocol target prefix is present whenever that client is inlined.
    expect(text, entry).not.toContain('DynamoDB_20120810');
    expect(text, entry).not.toMatch(/AWSStepFunctions\.|AmazonSQS\.|AWSEvents\./);
  });

  it('the table functions import the DynamoDB client from the layer', () => {
    expect(code('functions/api/create-order.ts')).toMatch(/from\s*"@aws-sdk\/client-dynamodb"/);
  });

  // Minified without keepNames, `class ValidationError extends PipelineError` becomes `class zu extends at`
  // and `new.target.name` (PipelineError's constructor) says "zu": the names Step Functions Retry/Catch and
  // the HTTP error mapping match on would be lost. esbuild's keepNames re-attaches each class's name
  // (`static{a(this,"ValidationError")}`).
  it.each([
    ['functions/api/create-order.ts', ['PipelineError', 'BadRequestError', 'ConflictError', 'ValidationError']],
    ['functions/ops/order-act.ts', ['PipelineError', 'ForbiddenError', 'NotFoundError', 'ConflictError', 'ValidationError']],
    [WORKFLOW_ENTRIES.dispatch, ['PipelineError', 'TransientError', 'TaskInputError', 'WorkflowStateError']],
    [WORKFLOW_ENTRIES.awaitMilestone, ['PipelineError', 'TransientError', 'TaskInputError', 'WorkflowStateError']],
    [SUPPLIER_INBOUND_ENTRY, ['PipelineError', 'TransientError']],
  ])('%s keeps the error class names %j through minification', (entry, names) => {
    const text = code(entry);
    const kept = names.filter((name) => new RegExp(`[\\w$]+\\(this,"${name}"\\)`).test(text));
    expect(kept, entry).toEqual(names);
  });

  it.each([WORKFLOW_ENTRIES.dispatch, WORKFLOW_ENTRIES.awaitMilestone, SUPPLIER_INBOUND_ENTRY])(
    '%s still fails task tokens with the exact error name SupplierRejected',
    (entry) => {
      expect(code(entry).includes(`"${SUPPLIER_REJECTED_ERROR}"`), entry).toBe(true);
    },
  );

  it.each(ENTRIES)(`%s stays under the ${BUNDLE_BUDGET_BYTES / 1024} KiB bundle budget`, (entry) => {
    const bytes = statSync(path.join(bundles().get(entry) ?? '', 'index.mjs')).size;
    // The stream router is ~9 KB: everything it uses but its own code is in the layer.
    expect(bytes, entry).toBeGreaterThan(2_000);
    expect(bytes, entry).toBeLessThan(BUNDLE_BUDGET_BYTES);
  });
});
