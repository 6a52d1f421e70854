/**
 * One esbuild build for every Lambda entry of the app, cached by content.
 *
 * Output: `<cache>/<key>/<entry without .ts>/index.mjs` (+ `index.mjs.map`), one standalone bundle per
 * function (no code splitting), and `<cache>/<key>/bundles.json` (entry → directory, sha256 of the bundle).
 *
 * Cache key = sha256 of: the bundle options (options.ts), the esbuild version, package-lock.json, the entry
 * list, and the content of every repository source file the LAST build with those settings read (its
 * metafile inputs outside node_modules; node_modules is covered by the lockfile). An unchanged tree finds
 * its directory and runs nothing; any changed input gives a new key and one rebuild of all entries.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildSync, version as esbuildVersion } from 'esbuild';
import { REPO_ROOT } from '../paths';
import { bundleAssets, bundleHash, copyBundleAssets } from './assets';
import { BUNDLE_OPTIONS } from './options';

/** Default cache directory (git-ignored); `DROPSHIP_BUNDLE_CACHE` overrides it. */
export const DEFAULT_BUNDLE_CACHE = path.join(REPO_ROOT, '.cache', 'bundles');
/** Builds kept in the cache: the newest ones, and any used in the last hour (a running `npm start` loads from it). */
const KEEP_BUILDS = 4;
const KEEP_USED_MS = 3600 * 1000;

export interface BundleManifest {
  readonly key: string;
  readonly esbuild: string;
  /** Repo-relative entry → bundle directory relative to the build directory and sha256 of its index.mjs. */
  readonly entries: Readonly<Record<string, { readonly dir: string; readonly sha256: string }>>;
}

export interface BundleSet {
  /** `<cache>/<key>`. */
  readonly dir: string;
  readonly manifest: BundleManifest;
  /** true when this call ran esbuild, false when the cache had the build. */
  readonly built: boolean;
  readonly ms: number;
}

export interface BundleRequest {
  /** Entry files relative to the repository root, written with "/". */
  readonly entries: readonly string[];
  readonly cacheDir?: string;
  readonly repoRoot?: string;
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Directory of one entry's bundle inside a build: the entry path without its extension. */
export function bundleDirName(entry: string): string {
  return entry.replace(/\.[cm]?[jt]sx?$/, '');
}

function settingsKey(entries: readonly string[], repoRoot: string): string {
  const lockPath = path.join(repoRoot, 'package-lock.json');
  const lock = existsSync(lockPath) ? sha256(readFileSync(lockPath)) : 'no-lockfile';
  return sha256(JSON.stringify({ options: BUNDLE_OPTIONS, esbuild: esbuildVersion, lock, entries: [...entries].sort(), assets: entries.map(bundleAssets) }));
}

function contentKey(settings: string, inputs: readonly string[], repoRoot: string): string {
  const hash = createHash('sha256').update(settings);
  for (const input of [...inputs].sort()) {
    const file = path.join(repoRoot, input);
    hash.update(`\0${input}\0${existsSync(file) ? sha256(readFileSync(file)) : 'missing'}`);
  }
  return hash.digest('hex').slice(0, 32);
}

const inputsFile = (cacheDir: string, settings: string): string => path.join(cacheDir, `inputs-${settings.slice(0, 16)}.json`);

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** The bundles of `entries`: from the cache when nothing they read changed, else one esbuild build. */
export function bundleEntries(request: BundleRequest): BundleSet {
  const started = performance.now();
  const repoRoot = request.repoRoot ?? REPO_ROOT;
  const cacheDir = request.cacheDir ?? process.env['DROPSHIP_BUNDLE_CACHE'] ?? DEFAULT_BUNDLE_CACHE;
  const entries = [...new Set(request.entries)].sort();
  const settings = settingsKey(entries, repoRoot);
  const lastInputs = readJson<{ inputs: string[] }>(inputsFile(cacheDir, settings))?.inputs;
  if (lastInputs !== undefined) {
    const dir = path.join(cacheDir, contentKey(settings, lastInputs, repoRoot));
    const manifest = readJson<BundleManifest>(path.join(dir, 'bundles.json'));
    if (manifest !== undefined) {
      utimesSync(dir, new Date(), new Date()); // most recently used: kept by prune()
      return { dir, manifest, built: false, ms: performance.now() - started };
    }
  }
  const { dir, manifest } = build(entries, settings, cacheDir, repoRoot);
  prune(cacheDir);
  return { dir, manifest, built: true, ms: performance.now() - started };
}

function build(entries: readonly string[], settings: string, cacheDir: string, repoRoot: string): { dir: string; manifest: BundleManifest } {
  mkdirSync(cacheDir, { recursive: true });
  const tmp = path.join(cacheDir, `tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const result = buildSync({
      ...BUNDLE_OPTIONS,
      absWorkingDir: repoRoot,
      entryPoints: entries.map((entry) => ({ in: entry, out: `${bundleDirName(entry)}/index` })),
      outExtension: { '.js': '.mjs' },
      outdir: tmp,
      metafile: true,
      write: true,
    });
    copyBundleAssets(entries, tmp, repoRoot, bundleDirName); // files next to a bundle (assets.ts: the packing slip fonts)
    const inputs = Object.keys(result.metafile.inputs).filter((p) => !p.split(/[\\/]/).includes('node_modules'));
    const key = contentKey(settings, inputs, repoRoot);
    const manifest: BundleManifest = {
      key,
      esbuild: esbuildVersion,
      entries: Object.fromEntries(
        entries.map((entry) => {
          const dir = bundleDirName(entry);
          return [entry, { dir, sha256: bundleHash(path.join(tmp, dir), entry) }];
        }),
      ),
    };
    writeFileSync(path.join(tmp, 'bundles.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const dir = path.join(cacheDir, key);
    if (existsSync(dir)) rmSync(tmp, { recursive: true, force: true });
    else renameSync(tmp, dir);
    writeFileSync(inputsFile(cacheDir, settings), `${JSON.stringify({ inputs: inputs.sort() }, null, 2)}\n`);
    return { dir, manifest };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Keep the newest and the recently used builds (stale temporary directories of crashed builds go). */
function prune(cacheDir: string): void {
  const builds = readdirSync(cacheDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^([0-9a-f]{32}|tmp-.*)$/.test(d.name))
    .map((d) => ({ dir: path.join(cacheDir, d.name), tmp: d.name.startsWith('tmp-'), mtime: statSync(path.join(cacheDir, d.name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  const day = 24 * 3600 * 1000;
  const now = Date.now();
  const old = builds.filter((b) => !b.tmp).slice(KEEP_BUILDS).filter((b) => now - b.mtime > KEEP_USED_MS);
  const stale = [...old, ...builds.filter((b) => b.tmp && now - b.mtime > day)];
  for (const b of stale) rmSync(b.dir, { recursive: true, force: true });
}
