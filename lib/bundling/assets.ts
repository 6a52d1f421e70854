/**
 * Files shipped next to a function's bundle (not bundled into its JavaScript): the packing slip fonts of
 * the function that renders PDFs (Dispatch). They come from pinned npm packages (package-lock.json, so the
 * bundle cache key covers their content) and are copied into `<bundle dir>/fonts/`: the Lambda asset
 * (`/var/task/fonts/`) and the local runtime's bundle cache alike. The renderer reads one only when a slip
 * needs it (functions/core/suppliers/services/slip-fonts.ts).
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { FONTKIT_MODULE, SLIP_FONT_DIR, slipFontFileName, slipFontFiles } from '../../functions/core/suppliers/domain/slip-fonts';
import { BUNDLE_FILE, BUNDLE_OPTIONS } from './options';

export type BundleAsset =
  /** A file copied from `from` (repo-relative). */
  | { readonly from: string; readonly to: string }
  /** A module bundled on its own (esbuild, same options, no source map) from the package `module`, after importing `prelude` (side effects). */
  | { readonly module: string; readonly to: string; readonly prelude?: string };

/**
 * The entries that render packing slips: Dispatch (lib/constructs/order-workflow.ts WORKFLOW_ENTRIES.dispatch) and the
 * delivery decisions (AFTER_DELIVERY_ENTRIES.deliveryDecisions: reships and exchanges send a replacement's slip).
 * test/infra/bundle-sizes.test.ts checks this list against the functions with the PDF budget.
 */
export const PDF_ENTRIES: readonly string[] = ['functions/workflow/dispatch.ts', 'functions/ops/delivery-exceptions.ts'];

export function bundleAssets(entry: string): BundleAsset[] {
  if (!PDF_ENTRIES.includes(entry)) return [];
  return [
    // fontkit (~960 KB minified, most of it Unicode and shaping data) is imported only when a slip needs a
    // Unicode font: a module of its own next to the bundle keeps it out of index.mjs (the 700 KB budget).
    // fontkit's Indic shapers need a global regeneratorRuntime: the module installs it (it is not in index.mjs either).
    { module: '@pdf-lib/fontkit', to: `${SLIP_FONT_DIR}/${FONTKIT_MODULE}`, prelude: 'regenerator-runtime' },
    ...slipFontFiles().map((file) => ({ from: `node_modules/${file.pkg}/${file.path}`, to: `${SLIP_FONT_DIR}/${slipFontFileName(file)}` })),
  ];
}

/** Copy each entry's assets into its bundle directory `dir` (inside the build directory `outDir`). */
export function copyBundleAssets(entries: readonly string[], outDir: string, repoRoot: string, dirOf: (entry: string) => string): void {
  for (const entry of entries) {
    for (const asset of bundleAssets(entry)) {
      const target = path.join(outDir, dirOf(entry), asset.to);
      mkdirSync(path.dirname(target), { recursive: true });
      if ('from' in asset) copyFileSync(path.join(repoRoot, asset.from), target);
      else {
        buildSync({
          ...BUNDLE_OPTIONS,
          sourcemap: false,
          absWorkingDir: repoRoot,
          stdin: { contents: `${asset.prelude === undefined ? '' : `import '${asset.prelude}';\n`}export { default } from '${asset.module}';`, resolveDir: repoRoot, loader: 'js' },
          outfile: target,
          write: true,
        });
      }
    }
  }
}

/**
 * The hash of a function's code (its CDK asset hash): sha256 of index.mjs, as before, for a bundle without
 * assets; of index.mjs and every asset (name and content) otherwise, so a font update is a new asset.
 */
export function bundleHash(bundleDir: string, entry: string): string {
  const hash = createHash('sha256').update(readFileSync(path.join(bundleDir, BUNDLE_FILE)));
  const assets = bundleAssets(entry);
  if (assets.length === 0) return hash.digest('hex');
  for (const asset of assets) hash.update(`\0${asset.to}\0`).update(readFileSync(path.join(bundleDir, asset.to)));
  return hash.digest('hex');
}
