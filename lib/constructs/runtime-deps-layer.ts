import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AssetHashType, DockerImage, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { LAYER_EXTERNAL_MODULES } from '../bundling/options';
import { REPO_ROOT, fromRepoRoot } from '../paths';

export { LAYER_EXTERNAL_MODULES };

/**
 * Context key set by the in-process synth of the local runtime (lib/synth.ts): there the bundles resolve the
 * SDK and Powertools from the repository's node_modules, so the layer's 15 MB copy is skipped (an empty
 * stand-in directory instead) and never slows `npm start`.
 */
export const SKIP_RUNTIME_DEPS_COPY_CONTEXT = 'dropship:skip-runtime-deps-copy';

/** Construct id of the stack's runtime-deps layer (a direct child of the stack). */
export const RUNTIME_DEPS_LAYER_ID = 'RuntimeDepsLayer';

/** Folder of a Node.js layer whose packages Lambda resolves for CommonJS and ES modules alike. */
const LAYER_NODE_MODULES = 'nodejs/node_modules';

/** Bump to rebuild the layer when the copy rules change (the version is part of the asset hash). */
const LAYER_BUILD_VERSION = '1';

/** Type declarations, source maps and docs: not needed at run time. */
const PRUNED = /(?:\.d\.ts|\.d\.mts|\.d\.cts|\.map|\.md|\.tsbuildinfo)$|\/dist-types$/;

interface LockEntry {
  readonly version?: string;
  readonly integrity?: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
}

interface LockFile {
  readonly packages: Readonly<Record<string, LockEntry>>;
}

/** One package of the layer: its package-lock key (`node_modules/...`, possibly nested) and pinned version. */
export interface LayerPackage {
  readonly key: string;
  readonly version: string;
  readonly integrity: string;
}

const matches = (name: string, pattern: string): boolean =>
  pattern.endsWith('/*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;

/** Whether a bare import specifier is left to the layer. */
export function isLayerExternal(specifier: string): boolean {
  const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] ?? specifier);
  return LAYER_EXTERNAL_MODULES.some((pattern) => matches(name, pattern));
}

/**
 * The layer's packages: the package.json dependencies matching LAYER_EXTERNAL_MODULES and their
 * dependency closure (dependencies, optional dependencies and installed peers), resolved the way Node
 * resolves them (nested node_modules first), from package-lock.json alone. Type-only packages are left out.
 */
export function layerPackages(lockPath: string = fromRepoRoot('package-lock.json')): LayerPackage[] {
  const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as LockFile;
  const entries = lock.packages;
  const rootDeps = Object.keys(entries['']?.dependencies ?? {}).filter(isLayerExternal);
  const resolve = (from: string, name: string): string | undefined => {
    let at = from;
    for (;;) {
      const key = `${at === '' ? '' : `${at}/`}node_modules/${name}`;
      if (entries[key] !== undefined) return key;
      if (at === '') return undefined;
      const nested = at.lastIndexOf('/node_modules/');
      at = nested < 0 ? '' : at.slice(0, nested);
    }
  };
  const seen = new Map<string, LayerPackage>();
  const queue: Array<readonly [string, string, boolean]> = rootDeps.map((name) => ['', name, true] as const);
  while (queue.length > 0) {
    const [from, name, required] = queue.pop() ?? ['', '', false];
    if (name.startsWith('@types/') || name === 'undici-types') continue;
    const key = resolve(from, name);
    if (key === undefined) {
      if (required) throw new Error(`runtime-deps layer: ${name} (needed by ${from === '' ? 'package.json' : from}) is not in package-lock.json`);
      continue;
    }
    if (seen.has(key)) continue;
    const entry = entries[key] ?? {};
    if (entry.version === undefined) throw new Error(`runtime-deps layer: ${key} has no version in package-lock.json`);
    seen.set(key, { key, version: entry.version, integrity: entry.integrity ?? '' });
    for (const dep of Object.keys(entry.dependencies ?? {})) queue.push([key, dep, true]);
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) queue.push([key, dep, false]);
    for (const dep of Object.keys(entry.peerDependencies ?? {})) queue.push([key, dep, false]);
  }
  return [...seen.values()].sort((a, b) => a.key.localeCompare(b.key));
}

/** Copy the packages from the repository's node_modules into `outputDir/nodejs/...`, checking each installed version against the lock. */
export function copyLayerPackages(packages: readonly LayerPackage[], outputDir: string, repoRoot: string = REPO_ROOT): void {
  for (const pkg of packages) {
    const source = path.join(repoRoot, pkg.key);
    const installed = (JSON.parse(readFileSync(path.join(source, 'package.json'), 'utf8')) as { version?: string }).version;
    if (installed !== pkg.version) {
      throw new Error(`runtime-deps layer: ${pkg.key} is ${installed ?? 'unversioned'} in node_modules but ${pkg.version} in package-lock.json (run npm ci)`);
    }
    cpSync(source, path.join(outputDir, 'nodejs', pkg.key), {
      recursive: true,
      dereference: true,
      filter: (file) => !PRUNED.test(file.split(path.sep).join('/')),
    });
  }
}

/**
 * The project-built Lambda layer with the pinned AWS SDK v3 clients and Powertools (and their
 * dependencies, e.g. aws-xray-sdk-core), one per stack, shared by every PipelineFunction. Built offline
 * at synth time by copying from node_modules (no Docker, no network, no lookups); the asset hash is the
 * locked versions and integrities, so the layer is rebuilt (and republished) only when package-lock.json
 * changes what it holds.
 */
export class RuntimeDepsLayer extends Construct {
  /** The stack's layer, created on first use. */
  public static of(scope: Construct): RuntimeDepsLayer {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(RUNTIME_DEPS_LAYER_ID);
    return existing instanceof RuntimeDepsLayer ? existing : new RuntimeDepsLayer(stack, RUNTIME_DEPS_LAYER_ID);
  }

  public readonly layer: lambda.LayerVersion;
  public readonly packages: readonly LayerPackage[];

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    const packages = layerPackages();
    this.packages = packages;
    const hash = createHash('sha256')
      .update(JSON.stringify({ build: LAYER_BUILD_VERSION, dir: LAYER_NODE_MODULES, packages }))
      .digest('hex');
    const versionOf = (name: string): string => packages.find((p) => p.key === `node_modules/${name}`)?.version ?? 'unknown';
    this.layer = new lambda.LayerVersion(this, 'Layer', {
      description: `Pinned runtime dependencies from package-lock.json: AWS SDK ${versionOf('@aws-sdk/client-dynamodb')}, Powertools ${versionOf('@aws-lambda-powertools/logger')} (${packages.length} packages)`,
      compatibleRuntimes: [lambda.Runtime.NODEJS_22_X],
      compatibleArchitectures: [lambda.Architecture.ARM_64],
      code: this.node.tryGetContext(SKIP_RUNTIME_DEPS_COPY_CONTEXT) === true ? standInCode(hash) : lambda.Code.fromAsset(fromRepoRoot('lib/constructs'), {
        assetHashType: AssetHashType.CUSTOM,
        assetHash: hash,
        bundling: {
          // Never used: the local copy below always succeeds (Docker is never needed).
          image: DockerImage.fromRegistry('public.ecr.aws/docker/library/busybox:stable'),
          local: {
            tryBundle(outputDir: string): boolean {
              copyLayerPackages(packages, outputDir);
              return true;
            },
          },
        },
      }),
    });
  }
}

/** An empty layer directory (same asset hash as the real one): the local runtime never loads the layer. */
function standInCode(hash: string): lambda.Code {
  const dir = path.join(tmpdir(), 'dropship-runtime-deps-stand-in', LAYER_NODE_MODULES);
  mkdirSync(dir, { recursive: true });
  return lambda.Code.fromAsset(path.dirname(path.dirname(dir)), { assetHashType: AssetHashType.CUSTOM, assetHash: hash });
}
