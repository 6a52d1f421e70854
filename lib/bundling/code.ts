/**
 * Lambda code from the shared bundle build: `BundledCode.forEntry(entry)` is a `lambda.Code` whose asset is
 * created when the app is prepared for synthesis, after every function of the app is known. An aspect on
 * the app root then runs ONE bundle build (build.ts, cached by content) for all registered entries and
 * gives each function an asset of its own bundle directory (`<cache>/<key>/<entry>/`): the asset the
 * template's `Code` and `aws:asset:path` metadata name, staged in the cloud assembly as `asset.<hash>/`.
 *
 * Stacks excluded from bundling (context `aws:cdk:bundling-stacks`, e.g. `[]` in tests) get a placeholder
 * directory instead and run no build.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AssetHashType, Aspects, type CfnResource, type IAspect, Lazy, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import type { Construct, IConstruct } from 'constructs';
import { type BundleSet, DEFAULT_BUNDLE_CACHE, bundleEntries } from './build';

/** Observer of each app's bundle build (timings for the local runtime's start-up line). */
export type BundleObserver = (set: BundleSet, entries: number) => void;
let observer: BundleObserver | undefined;
export function onBundleBuild(fn: BundleObserver | undefined): void {
  observer = fn;
}

interface Registry {
  readonly codes: BundledCode[];
}
const registries = new WeakMap<IConstruct, Registry>();

export class BundledCode extends lambda.Code {
  /** The code of the function built from `entry` (repo-relative). */
  public static forEntry(entry: string): BundledCode {
    return new BundledCode(entry);
  }

  public readonly isInline = false;
  private scope: Construct | undefined;
  private resource: CfnResource | undefined;
  private asset: Asset | undefined;

  private constructor(public readonly entry: string) {
    super();
  }

  public bind(scope: Construct): lambda.CodeConfig {
    if (this.scope !== undefined) throw new Error(`BundledCode of ${this.entry} is already bound: create one per function`);
    this.scope = scope;
    registryOf(scope).codes.push(this);
    const missing = (): never => {
      throw new Error(`The bundle of ${this.entry} was not attached: the app was not prepared (synthesize it with app.synth())`);
    };
    return {
      s3Location: {
        bucketName: Lazy.string({ produce: () => this.asset?.s3BucketName ?? missing() }),
        objectKey: Lazy.string({ produce: () => this.asset?.s3ObjectKey ?? missing() }),
      },
    };
  }

  public override bindToResource(resource: CfnResource): void {
    this.resource = resource;
  }

  /** Called once by the aspect: the asset of `dir` (hash = the bundle's content hash). */
  public attach(dir: string, assetHash: string): void {
    if (this.scope === undefined || this.asset !== undefined) return;
    this.asset = new Asset(this.scope, 'Code', { path: dir, deployTime: true, assetHash, assetHashType: AssetHashType.CUSTOM });
    if (this.resource !== undefined) this.asset.addResourceMetadata(this.resource, 'Code');
  }

  public get boundScope(): Construct | undefined {
    return this.scope;
  }
}

function registryOf(scope: Construct): Registry {
  const root = scope.node.root;
  let registry = registries.get(root);
  if (registry === undefined) {
    registry = { codes: [] };
    registries.set(root, registry);
    Aspects.of(root).add(new BundleAspect(root, registry));
  }
  return registry;
}

class BundleAspect implements IAspect {
  private done = false;
  constructor(
    private readonly root: IConstruct,
    private readonly registry: Registry,
  ) {}

  public visit(node: IConstruct): void {
    if (node !== this.root || this.done) return;
    this.done = true;
    const bundled = this.registry.codes.filter((c) => c.boundScope !== undefined && Stack.of(c.boundScope).bundlingRequired);
    const set = bundled.length === 0 ? undefined : bundleEntries({ entries: bundled.map((c) => c.entry) });
    if (set !== undefined) observer?.(set, bundled.length);
    for (const code of this.registry.codes) {
      const entry = set?.manifest.entries[code.entry];
      if (set !== undefined && entry !== undefined && bundled.includes(code)) {
        code.attach(path.join(set.dir, entry.dir), entry.sha256);
      } else {
        code.attach(placeholderDir(), `placeholder-${code.entry}`);
      }
    }
  }
}

/** A directory standing in for bundles that are not built (bundling switched off for the stack). */
function placeholderDir(): string {
  const dir = path.join(process.env['DROPSHIP_BUNDLE_CACHE'] ?? DEFAULT_BUNDLE_CACHE, 'placeholder');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'index.mjs'), '// bundling was skipped for this stack\n');
  return dir;
}
