/**
 * The code each local function runs: the bundle directory its template names (`aws:asset:path`, the asset
 * `cdk deploy` uploads). A template whose asset holds no `index.mjs` (a hand-written fixture, a synth with
 * bundling skipped) gets its `dropship:entry` files bundled here, in one build of lib/bundling with the
 * same options and cache: never TypeScript source.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { BUNDLE_FILE, bundleEntries } from '../../../lib/bundling';
import type { FunctionSpec } from '../../template/functions';

/** Every function with its `codeDir` set (one cached esbuild build for those the template gives none). */
export function withBundles(functions: readonly FunctionSpec[], repoRoot: string): FunctionSpec[] {
  const runnable = (f: FunctionSpec): boolean => f.codeDir !== undefined && existsSync(path.join(f.codeDir, BUNDLE_FILE));
  const missing = functions.filter((f) => !runnable(f)).map((f) => f.entry);
  if (missing.length === 0) return [...functions];
  const set = bundleEntries({ entries: missing, repoRoot });
  return functions.map((f) => {
    if (runnable(f)) return f;
    const built = set.manifest.entries[f.entry];
    if (built === undefined) throw new Error(`no bundle was built for ${f.entry}`);
    return { ...f, codeDir: path.join(set.dir, built.dir) };
  });
}

/** The module a function's worker imports. */
export function bundleModule(fn: FunctionSpec): string {
  if (fn.codeDir === undefined) throw new Error(`${fn.logicalId} has no code directory (call withBundles first)`);
  return path.join(fn.codeDir, BUNDLE_FILE);
}
