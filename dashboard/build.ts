/**
 * Builds the dashboard (one esbuild call: src/main.tsx and src/styles.css, minified, content-hashed names)
 * in memory. The local server (local/dashboard/server.ts) serves the result; `npm run dashboard:build`
 * writes it to dashboard/dist/ for S3 + CloudFront (docs/dashboard.md), config.json not included.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const DASHBOARD_DIR = path.dirname(fileURLToPath(import.meta.url));

export interface DashboardAsset {
  readonly body: Buffer;
  readonly contentType: string;
  /** Content-hashed name: cache forever. */
  readonly immutable: boolean;
}

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.html': 'text/html; charset=utf-8' };

/** Path ('/index.html', '/assets/main-XXXX.js', ...) -> asset. */
export async function buildDashboard(): Promise<Map<string, DashboardAsset>> {
  const result = await build({
    absWorkingDir: DASHBOARD_DIR,
    entryPoints: ['src/main.tsx', 'src/styles.css'],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome120', 'firefox120', 'safari17'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    entryNames: '[name]-[hash]',
    outdir: path.join(DASHBOARD_DIR, 'dist', 'assets'),
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const assets = new Map<string, DashboardAsset>();
  let js = '';
  let css = '';
  for (const file of result.outputFiles) {
    const name = `/assets/${path.basename(file.path)}`;
    const ext = path.extname(file.path);
    assets.set(name, { body: Buffer.from(file.contents), contentType: TYPES[ext] ?? 'application/octet-stream', immutable: true });
    if (ext === '.js') js = name;
    if (ext === '.css') css = name;
  }
  const html = (await readFile(path.join(DASHBOARD_DIR, 'index.html'), 'utf8')).replace('%JS%', `.${js}`).replace('%CSS%', `.${css}`);
  assets.set('/index.html', { body: Buffer.from(html), contentType: TYPES['.html'] ?? 'text/html', immutable: false });
  return assets;
}

/** `tsx dashboard/build.ts [outDir]`: the static site for S3 (add a config.json next to index.html). */
async function main(): Promise<void> {
  const out = path.resolve(process.argv[2] ?? path.join(DASHBOARD_DIR, 'dist'));
  const assets = await buildDashboard();
  await rm(out, { recursive: true, force: true });
  for (const [name, asset] of assets) {
    await mkdir(path.dirname(path.join(out, name)), { recursive: true });
    await writeFile(path.join(out, name), asset.body);
  }
  const sizes = [...assets].map(([n, a]) => `${n} ${(a.body.length / 1024).toFixed(1)} KB`);
  console.log(`dashboard built into ${out}:\n  ${sizes.join('\n  ')}`);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
