/**
 * Real esbuild bundling of every function (local esbuild, no Docker): ESM with the createRequire banner,
 * source maps, the AWS SDK left to the runtime. One synth with bundling for the whole file.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ESM_REQUIRE_BANNER } from '../../lib/constructs/pipeline-function';
import { type Synthesized, props, rec, resourcesOfType, synthesize } from './support';

let s: Synthesized;
let outdir: string;
beforeAll(() => {
  outdir = mkdtempSync(path.join(tmpdir(), 'dropship-bundle-test-'));
  s = synthesize({ stage: 'dev', bundling: true, outdir });
});

function bundles(): Array<[string, string]> {
  // The code asset's S3 key is `<asset hash>.zip`; the staged bundle is `<outdir>/asset.<asset hash>/`.
  return resourcesOfType(s.json, 'AWS::Lambda::Function').map(([, fn]) => {
    const key = String(rec(props(fn).Code).S3Key);
    return [String(fn.Metadata?.['dropship:entry']), path.join(outdir, `asset.${key.replace(/\.zip$/, '')}`)];
  });
}

describe('bundles', () => {
  it('exist for every function', () => {
    expect(bundles()).toHaveLength(3);
  });

  it.each([0, 1, 2])('function #%i is one ESM file with the createRequire banner and a source map', (i) => {
    const [entry, dir] = bundles()[i] ?? ['', ''];
    const code = readFileSync(path.join(dir, 'index.mjs'), 'utf8');
    expect(code.startsWith(ESM_REQUIRE_BANNER), entry).toBe(true);
    expect(code, entry).toMatch(/export\s*\{[^}]*\bhandler\b[^}]*\}/);
    expect(code, entry).toContain('//# sourceMappingURL=index.mjs.map');
    expect(existsSync(path.join(dir, 'index.mjs.map')), entry).toBe(true);
  });

  it.each([0, 1, 2])('function #%i leaves @aws-sdk/* to the Lambda runtime', (i) => {
    const [entry, dir] = bundles()[i] ?? ['', ''];
    const code = readFileSync(path.join(dir, 'index.mjs'), 'utf8');
    // Imported, not inlined.
    expect(code, entry).toMatch(/from\s*"@aws-sdk\/client-dynamodb"/);
    expect(code, entry).not.toContain('DynamoDB_20120810'); // the DynamoDB protocol target prefix, present whenever the client is inlined
  });
});
