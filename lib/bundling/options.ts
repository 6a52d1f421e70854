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
 * the AWS SDK left to the Lambda runtime.
 *
 * The one place these options live: lib/bundling/build.ts adds only what one multi-entry build needs
 * (entry points, output directory, metafile). Changing them changes the cache key (a rebuild).
 */
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
  external: ['@aws-sdk/*'],
  splitting: false,
  logLevel: 'warning',
} as const satisfies BuildOptions;

/** File name of a function's bundle inside its directory (the handler is `index.<export>`). */
export const BUNDLE_FILE = 'index.mjs';
