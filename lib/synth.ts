import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { buildApp } from './app-builder';
import { SKIP_RUNTIME_DEPS_COPY_CONTEXT } from './constructs/runtime-deps-layer';

export interface SynthesizedTemplate {
  readonly stackName: string;
  readonly template: Record<string, unknown>;
  /**
   * The cloud assembly directory the template was written to: a function's `aws:asset:path` metadata is
   * relative to it (or absolute). Removed afterwards when no `outdir` was given (the asset paths stay valid:
   * they name the bundle cache, see below).
   */
  readonly assemblyDir: string;
}

/**
 * Synthesize the pipeline stack in-process and return its CloudFormation template. The local runtime builds
 * its world from this template and runs each function from the bundle its `aws:asset:path` names.
 *
 * The Lambda code is the same esbuild bundle `cdk synth` / `cdk deploy` ship (lib/bundling: one build for
 * every function, cached by content: milliseconds when nothing changed, a few seconds otherwise). Asset
 * staging is off here (`aws:cdk:disable-asset-staging`, as SAM does): nothing is copied, and `aws:asset:path`
 * is the absolute bundle directory in the repository's bundle cache (inside the repo, so the externals,
 * `@aws-sdk/*`, resolve from its node_modules). For the same reason the runtime-deps layer is not copied
 * (SKIP_RUNTIME_DEPS_COPY_CONTEXT): the layer is what AWS loads; locally the same versions come from node_modules.
 *
 * - `stage`: stage name (default: cdk.json's `stage`, i.e. "dev").
 * - `outdir`: where to write the cloud assembly (default: a temporary directory, removed afterwards).
 * - `bundling`: build the bundles (default true); false gives placeholder assets (template only).
 *
 * cdk-nag and CloudFormation schema validation are not run here (tests and `cdk synth` run them), so a
 * compliance finding never blocks `npm start`.
 */
export async function synthesizeTemplate(opts?: { stage?: string; outdir?: string; bundling?: boolean }): Promise<SynthesizedTemplate> {
  const outdir = opts?.outdir ?? (await mkdtemp(path.join(tmpdir(), 'dropship-synth-')));
  try {
    const { app, stack } = buildApp({
      ...(opts?.stage === undefined ? {} : { stage: opts.stage }),
      bundling: opts?.bundling ?? true,
      nag: false,
      cfnValidation: false,
      outdir,
      context: { [cxapi.ASSET_RESOURCE_METADATA_ENABLED_CONTEXT]: true, [cxapi.DISABLE_ASSET_STAGING_CONTEXT]: true, [SKIP_RUNTIME_DEPS_COPY_CONTEXT]: true },
    });
    const assembly = app.synth();
    const artifact = assembly.getStackArtifact(stack.artifactId);
    const template: unknown = artifact.template;
    if (template === null || typeof template !== 'object') {
      throw new Error(`Synthesized template of ${stack.stackName} is not an object`);
    }
    return { stackName: stack.stackName, template: { ...template }, assemblyDir: outdir };
  } finally {
    if (opts?.outdir === undefined) await rm(outdir, { recursive: true, force: true });
  }
}
