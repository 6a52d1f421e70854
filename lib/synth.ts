import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildApp } from './app-builder';

/**
 * Synthesize the pipeline stack in-process, without bundling any Lambda code (a few seconds), and return
 * its CloudFormation template. The local runtime builds its world from this template.
 *
 * - `stage`: stage name (default: cdk.json's `stage`, i.e. "dev").
 * - `outdir`: where to write the cloud assembly (default: a temporary directory, removed afterwards).
 *
 * cdk-nag and CloudFormation schema validation are not run here (tests and `cdk synth` run them), so a
 * compliance finding never blocks `npm start`.
 */
export async function synthesizeTemplate(opts?: {
  stage?: string;
  outdir?: string;
}): Promise<{ stackName: string; template: Record<string, unknown> }> {
  const outdir = opts?.outdir ?? (await mkdtemp(path.join(tmpdir(), 'dropship-synth-')));
  try {
    const { app, stack } = buildApp({
      ...(opts?.stage === undefined ? {} : { stage: opts.stage }),
      bundling: false,
      nag: false,
      cfnValidation: false,
      outdir,
    });
    const assembly = app.synth();
    const artifact = assembly.getStackArtifact(stack.artifactId);
    const template: unknown = artifact.template;
    if (template === null || typeof template !== 'object') {
      throw new Error(`Synthesized template of ${stack.stackName} is not an object`);
    }
    return { stackName: stack.stackName, template: { ...template } };
  } finally {
    if (opts?.outdir === undefined) await rm(outdir, { recursive: true, force: true });
  }
}
