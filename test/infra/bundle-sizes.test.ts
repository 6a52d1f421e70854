/**
 * Bundle budgets, per function, on the real esbuild output (`index.mjs`, minified, without its source map)
 * of one synth with bundling: 300 KB for every function, 700 KB for the few that render PDFs (pdf-lib and
 * its fonts). Over budget names the function and its size: look for the import that dragged a heavy
 * module in (docs/infrastructure.md, "Bundles and the AWS SDK"). Also: what the bundles leave out is in
 * the runtime-deps layer, at the versions of package-lock.json.
 */
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_ENTRIES } from '../../lib/constructs/order-workflow';
import { isLayerExternal } from '../../lib/constructs/runtime-deps-layer';
import { fromRepoRoot } from '../../lib/paths';
import { PDF_ENTRIES } from '../../lib/bundling/assets';
import { FONTKIT_MODULE, SLIP_FONT_DIR } from '../../functions/core/suppliers/domain/slip-fonts';
import { AFTER_DELIVERY_ENTRIES } from '../../lib/constructs/after-delivery/scorecards';
import { type Synthesized, props, rec, resourcesOfType, synthesize } from './support';

/** Every bundle's budget (bytes of index.mjs). */
const BUNDLE_BUDGET_BYTES = 300_000;
/** The functions that render PDFs (packing slips): pdf-lib, its standard fonts, pako and upng (~430 KB). At most 3. */
const PDF_BUDGETS: Readonly<Record<string, number>> = {
  [WORKFLOW_ENTRIES.dispatch]: 700_000,
  // A reship sends the replacement's purchase order and packing slip like Dispatch (issue 15).
  [AFTER_DELIVERY_ENTRIES.deliveryDecisions]: 700_000,
};
const MAX_PDF_FUNCTIONS = 3;
const PDF_BUDGET_CAP_BYTES = 700_000;

let s: Synthesized;
let outdir: string;
// One synth with 26 esbuild bundles and the layer copy: about a minute on a quiet machine, more when shared.
beforeAll(() => {
  outdir = mkdtempSync(path.join(tmpdir(), 'dropship-bundle-sizes-'));
  s = synthesize({ stage: 'dev', bundling: true, outdir });
}, 600_000);

interface Bundle {
  readonly logicalId: string;
  readonly entry: string;
  readonly dir: string;
  readonly layers: unknown;
}

const assetDir = (s3Key: unknown): string => path.join(outdir, `asset.${String(s3Key).replace(/\.zip$/, '')}`);

function bundles(): Bundle[] {
  return resourcesOfType(s.json, 'AWS::Lambda::Function').map(([logicalId, fn]) => ({
    logicalId,
    entry: String(fn.Metadata?.['dropship:entry']),
    dir: assetDir(rec(props(fn).Code).S3Key),
    layers: props(fn).Layers,
  }));
}

function layer(): { logicalId: string; dir: string } {
  const layers = resourcesOfType(s.json, 'AWS::Lambda::LayerVersion');
  expect(layers).toHaveLength(1);
  const [logicalId, resource] = layers[0] ?? ['', { Type: '' }];
  return { logicalId, dir: assetDir(rec(props(resource).Content).S3Key) };
}

/** Bare specifiers the bundle imports at run time (static and dynamic imports, re-exports). */
function importedSpecifiers(code: string): Set<string> {
  const found = new Set<string>();
  for (const match of code.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*"([^"]+)"/g)) {
    const specifier = match[1] ?? '';
    // Package names only (minified code also has "from" / "import" followed by a string in expressions).
    if (/^(?:node:)?(?:@[\w.-]+\/)?[\w.-]+(?:\/[\w.-]+)*$/.test(specifier)) found.add(specifier);
  }
  return found;
}

const packageName = (specifier: string): string =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] ?? specifier);

const isBuiltin = (specifier: string): boolean => specifier.startsWith('node:') || builtinModules.includes(specifier);

describe('bundle sizes', () => {
  it('at most 3 functions have the PDF budget, each at most 700 KB', () => {
    expect(Object.keys(PDF_BUDGETS).length).toBeLessThanOrEqual(MAX_PDF_FUNCTIONS);
    for (const budget of Object.values(PDF_BUDGETS)) expect(budget).toBeLessThanOrEqual(PDF_BUDGET_CAP_BYTES);
    const entries = new Set(bundles().map((b) => b.entry));
    for (const entry of Object.keys(PDF_BUDGETS)) expect(entries.has(entry), entry).toBe(true);
  });

  it('every function stays within its budget', () => {
    const all = bundles();
    expect(all.length).toBeGreaterThan(20);
    const report = all.map((b) => {
      const bytes = statSync(path.join(b.dir, 'index.mjs')).size;
      const budget = PDF_BUDGETS[b.entry] ?? BUNDLE_BUDGET_BYTES;
      return { ...b, bytes, budget };
    });
    const over = report
      .filter((r) => r.bytes > r.budget)
      .map((r) => `${r.logicalId} (${r.entry}): ${(r.bytes / 1000).toFixed(1)} KB, budget ${(r.budget / 1000).toFixed(0)} KB`);
    expect(over, 'bundles over budget').toEqual([]);
    // A bundle far under its budget is fine; an almost empty one means the entry lost its handler.
    for (const r of report) expect(r.bytes, `${r.logicalId} (${r.entry})`).toBeGreaterThan(2_000);
  });

  it('every PDF renderer ships its slip fonts and fontkit next to the bundle (a slip in any script), no other function does', () => {
    expect([...PDF_ENTRIES].sort()).toEqual(Object.keys(PDF_BUDGETS).sort());
    for (const b of bundles()) {
      expect(existsSync(path.join(b.dir, SLIP_FONT_DIR, FONTKIT_MODULE)), b.entry).toBe(b.entry in PDF_BUDGETS);
    }
  });

  it('only the PDF renderers carry pdf-lib', () => {
    for (const b of bundles()) {
      const code = readFileSync(path.join(b.dir, 'index.mjs'), 'utf8');
      // pdf-lib's standard font metrics are always bundled with it.
      expect(code.includes('Helvetica-BoldOblique'), b.entry).toBe(b.entry in PDF_BUDGETS);
    }
  });
});

describe('runtime-deps layer', () => {
  it('is attached to every function (and only it)', () => {
    const { logicalId } = layer();
    for (const b of bundles()) expect(b.layers, b.entry).toEqual([{ Ref: logicalId }]);
  });

  it('holds the AWS SDK and Powertools at exactly the versions of package.json', () => {
    const pkg = JSON.parse(readFileSync(fromRepoRoot('package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const pinned = Object.entries(pkg.dependencies).filter(([name]) => isLayerExternal(name));
    expect(pinned.map(([name]) => name)).toEqual(expect.arrayContaining(['@aws-sdk/client-dynamodb', '@aws-lambda-powertools/tracer']));
    const { dir } = layer();
    for (const [name, version] of pinned) {
      const manifest = path.join(dir, 'nodejs', 'node_modules', name, 'package.json');
      expect(existsSync(manifest), name).toBe(true);
      expect((JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version, name).toBe(version);
    }
  });

  it('provides every package a bundle imports (the rest is inlined or a Node.js builtin)', () => {
    const { dir } = layer();
    const missing: string[] = [];
    for (const b of bundles()) {
      for (const specifier of importedSpecifiers(readFileSync(path.join(b.dir, 'index.mjs'), 'utf8'))) {
        if (isBuiltin(specifier)) continue;
        const name = packageName(specifier);
        if (!isLayerExternal(specifier) || !existsSync(path.join(dir, 'nodejs', 'node_modules', name, 'package.json'))) {
          missing.push(`${b.entry} imports ${specifier}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
