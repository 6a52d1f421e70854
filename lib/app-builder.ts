import { readFileSync } from 'node:fs';
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { fromRepoRoot } from './paths';
import { PipelineStack, stackNameFor } from './pipeline-stack';
import { type Stage, loadStage } from './stage-config';

/**
 * CDK context key listing the stacks whose assets are bundled; `[]` skips the Lambda bundle build (lib/bundling:
 * placeholders instead; the build itself is one cached esbuild call, seconds at most).
 */
export const BUNDLING_STACKS_CONTEXT = 'aws:cdk:bundling-stacks';

export interface BuildAppOptions {
  /** Stage name; overrides the `stage` context (cdk.json default "dev", `-c stage=...`). */
  readonly stage?: string;
  /** Extra context values (merged over cdk.json's context). */
  readonly context?: Readonly<Record<string, unknown>>;
  /**
   * Bundle the Lambda code (lib/bundling: one esbuild build for all functions, cached by content).
   * false: assets are placeholders (template only). @default true
   */
  readonly bundling?: boolean;
  /** Register the cdk-nag AwsSolutions and Serverless packs (unacknowledged findings fail synth). @default true */
  readonly nag?: boolean;
  /** Cloud assembly directory. @default CDK_OUTDIR from the CLI, else a temporary directory */
  readonly outdir?: string;
  /** Record construct stack traces in metadata (slow; useful only when debugging). @default false */
  readonly stackTraces?: boolean;
  /**
   * Run CDK's built-in CloudFormation schema validation at synth (about 3 s on first use).
   * @default true
   */
  readonly cfnValidation?: boolean;
}

export interface BuiltApp {
  readonly app: App;
  readonly stack: PipelineStack;
  readonly stage: Stage;
}

/** cdk.json's `context`, so that an app built in-process (tests, local runtime) sees what the CLI would. */
export function readCdkJsonContext(): Record<string, unknown> {
  const raw: unknown = JSON.parse(readFileSync(fromRepoRoot('cdk.json'), 'utf8'));
  if (raw !== null && typeof raw === 'object' && 'context' in raw) {
    const context: unknown = raw.context;
    if (context !== null && typeof context === 'object') return { ...context };
  }
  return {};
}

/**
 * Build the CDK app: one PipelineStack named `DropshipPipeline-<stage>`, tagged, with cdk-nag applied.
 * bin/app.ts calls this for the CLI; tests and the local runtime call it in-process.
 */
export function buildApp(options: BuildAppOptions = {}): BuiltApp {
  const context: Record<string, unknown> = {
    ...readCdkJsonContext(),
    ...options.context,
    ...(options.stage === undefined ? {} : { stage: options.stage }),
    ...(options.bundling === false ? { [BUNDLING_STACKS_CONTEXT]: [] } : {}),
  };
  const app = new App({
    context,
    analyticsReporting: false,
    stackTraces: options.stackTraces ?? false,
    builtinCloudFormationValidation: options.cfnValidation ?? true,
    ...(options.outdir === undefined ? {} : { outdir: options.outdir }),
  });
  // An explicit stage wins over CDK_CONTEXT_JSON (set when the CLI runs the app).
  if (options.stage !== undefined) app.node.setContext('stage', options.stage);

  const stage = loadStage(app.node);
  const stack = new PipelineStack(app, stackNameFor(stage.name), { stage });
  Tags.of(app).add('project', 'dropship-pipeline');
  Tags.of(app).add('stage', stage.name);

  if (options.nag ?? true) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  }
  return { app, stack, stage };
}
