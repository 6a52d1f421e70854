#!/usr/bin/env node
/**
 * CDK app entry (cdk.json: "app": "npx tsx bin/app.ts").
 *
 *   npx cdk synth                 # stage "dev"
 *   npx cdk deploy -c stage=prod  # another stage from cdk.json context.stages
 *
 * Builds the pipeline stack for the selected stage and applies the cdk-nag AwsSolutions and Serverless
 * packs; an unacknowledged finding fails synthesis.
 */
import { buildApp } from '../lib/app-builder';
import { StageConfigError } from '../lib/stage-config';

try {
  const { app } = buildApp();
  app.synth();
} catch (error) {
  if (error instanceof StageConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
