import type { BuildOptions } from 'esbuild';

/**
 * ESM bundles still meet CommonJS dependencies that call `require` (some transitive packages do):
 * give the module scope a real `require`.
 */
export const ESM_REQUIRE_BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/**
 * The esbuild options of every Lambda bundle (what `cdk deploy` ships and `npm start` runs): one ESM file
 * per function for Node.js 22, minified with class and function names kept (error classes must keep their
 * `name`: Step Functions Retry/Catch and the HTTP error mapping match on it; `PipelineError` subclasses take
 * it from `new.target.name`), a linked source map without sources content, the createRequire banner, and
 * the AWS SDK and Powertools left to the project's runtime-deps layer (LAYER_EXTERNAL_MODULES: the
 * versions of package-lock.json, lib/constructs/runtime-deps-layer.ts).
 *
 * The one place these options live: lib/bundling/build.ts adds only what one multi-entry build needs
 * (entry points, output directory, metafile). Changing them changes the cache key (a rebuild).
 */
/**
 * What every function leaves out of its bundle and finds in the runtime-deps layer instead. The layer holds
 * exactly these packages' dependency closure at the versions of package-lock.json, copied from the
 * repository's node_modules (the code the tests ran), so the deployed AWS SDK and Powertools are the tested
 * ones. Locally, bundles resolve the same names from the repository's node_modules. docs/infrastructure.md,
 * "Bundles and the AWS SDK".
 */
export const LAYER_EXTERNAL_MODULES = ['@aws-sdk/*', '@smithy/*', '@aws-lambda-powertools/*', 'aws-xray-sdk-core'] as const;

export const BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  mainFields: ['module', 'main'],
  minify: true,
  keepNames: true,
  sourcemap: 'linked',
  sourcesContent: false,
  banner: { js: ESM_REQUIRE_BANNER },
  external: [...LAYER_EXTERNAL_MODULES],
  splitting: false,
  logLevel: 'warning',
} as const satisfies BuildOptions;

/** File name of a function's bundle inside its directory (the handler is `index.<export>`). */
export const BUNDLE_FILE = 'index.mjs';
