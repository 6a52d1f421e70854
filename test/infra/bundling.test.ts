/**
 * Real esbuild bundling of every function (local esbuild, no Docker): ESM with the createRequire banner,
 * source maps, the AWS SDK left to the runtime. One synth with bundling for the whole file.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { OPS_ENTRIES } from '../../lib/constructs/ops-api';
import { STREAM_ROUTER_ENTRY } from '../../lib/constructs/order-events';
import { WORKFLOW_ENTRIES } from '../../lib/constructs/order-workflow';
import { ESM_REQUIRE_BANNER } from '../../lib/constructs/pipeline-function';
import { SUPPLIER_INBOUND_ENTRY } from '../../lib/constructs/supplier-gateway';
import { type Synthesized, props, rec, resourcesOfType, synthesize } from './support';

let s: Synthesized;
let outdir: string;
beforeAll(() => {
  outdir = mkdtempSync(path.join(tmpdir(), 'dropship-bundle-test-'));
  s = synthesize({ stage: 'dev', bundling: true, outdir });
});

const ENTRIES = [
  'functions/api/create-order.ts',
  'functions/api/get-order.ts',
  'functions/api/shopify-webhook.ts',
  'functions/api/update-payment.ts',
  ...Object.values(OPS_ENTRIES),
  STREAM_ROUTER_ENTRY,
  SUPPLIER_INBOUND_ENTRY,
  ...Object.values(WORKFLOW_ENTRIES),
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

  it.each(ENTRIES)('%s leaves @aws-sdk/* to the Lambda runtime', (entry) => {
    const text = code(entry);
    // Imported when used, never inlined: the DynamoDB protocol target prefix is present whenever that client is inlined.
    expect(text, entry).not.toContain('DynamoDB_20120810');
    expect(text, entry).not.toMatch(/AWSStepFunctions\.|AmazonSQS\.|AWSEvents\./);
  });

  it('the table functions import the DynamoDB client from the runtime', () => {
    expect(code('functions/api/create-order.ts')).toMatch(/from\s*"@aws-sdk\/client-dynamodb"/);
  });
});
