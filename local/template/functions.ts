/**
 * Lambda functions of the template: the ones built from this repository (`dropship:entry` metadata) run
 * locally; the others (CDK's own providers) are listed as skipped.
 */
import path from 'node:path';
import { isRecord } from '../../functions/core/kernel/guards';
import { num, props, resourcesOfType, type CfnTemplate } from './cfn';
import type { Resolver } from './resolve';

export interface FunctionSpec {
  readonly logicalId: string;
  /** Local function name (FunctionName if set, else the logical id). */
  readonly functionName: string;
  /** Entry source file relative to the repository root (template Metadata `dropship:entry`). */
  readonly entry: string;
  /** Absolute path of the entry file. */
  readonly entryPath: string;
  /**
   * Absolute directory of the function's code asset (the bundle: `index.mjs` + map), from the template's
   * `aws:asset:path` metadata resolved against the cloud assembly directory; undefined when the template
   * names none (hand-written fixtures: the runtime bundles their entry itself, see lambda/bundles.ts).
   */
  readonly codeDir: string | undefined;
  /** Exported handler name (Metadata `dropship:handler`, default `handler`). */
  readonly handlerExport: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly runtime: string;
  /** The function's template Environment.Variables with every intrinsic resolved locally. */
  readonly environment: Readonly<Record<string, string>>;
}

export interface SkippedFunction {
  readonly logicalId: string;
  readonly reason: string;
}

export const ENTRY_METADATA = 'dropship:entry';
export const HANDLER_METADATA = 'dropship:handler';
/** CDK's asset metadata on a resource: where its staged (or, staging disabled, source) asset is. */
export const ASSET_PATH_METADATA = 'aws:asset:path';

export function readFunctions(
  template: CfnTemplate,
  resolver: Resolver,
  repoRoot: string,
  assemblyDir: string = repoRoot,
): { functions: FunctionSpec[]; skipped: SkippedFunction[] } {
  const functions: FunctionSpec[] = [];
  const skipped: SkippedFunction[] = [];
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::Lambda::Function')) {
    const entry = resource.Metadata?.[ENTRY_METADATA];
    if (typeof entry !== 'string') {
      skipped.push({ logicalId, reason: `no "${ENTRY_METADATA}" metadata (not one of the project's functions)` });
      continue;
    }
    const p = props(resource);
    const handlerMeta = resource.Metadata?.[HANDLER_METADATA];
    const assetPath = resource.Metadata?.[ASSET_PATH_METADATA];
    const handlerProp = typeof p['Handler'] === 'string' ? p['Handler'].split('.').pop() : undefined;
    const env = isRecord(p['Environment']) ? p['Environment']['Variables'] : undefined;
    const environment: Record<string, string> = {};
    if (isRecord(env)) {
      for (const [name, value] of Object.entries(env)) {
        environment[name] = resolver.resolveString(value, `function ${logicalId} environment ${name}`);
      }
    }
    functions.push({
      logicalId,
      functionName: resolver.resolveString({ Ref: logicalId }, `function ${logicalId}`),
      entry,
      entryPath: path.resolve(repoRoot, ...entry.split('/')),
      codeDir: typeof assetPath === 'string' ? path.resolve(assemblyDir, assetPath) : undefined,
      handlerExport: typeof handlerMeta === 'string' ? handlerMeta : (handlerProp ?? 'handler'),
      timeoutSeconds: num(p['Timeout'], 3),
      memoryMb: num(p['MemorySize'], 128),
      runtime: typeof p['Runtime'] === 'string' ? p['Runtime'] : 'nodejs',
      environment,
    });
  }
  return { functions, skipped };
}
