/**
 * Dependencies of the workflow, supplier and ops handlers, built once per container (module scope of
 * the handler), so configuration errors surface at cold start.
 */
import { systemClock } from '../../kernel/clock';
import { getDocumentClient } from '../../runtime/clients';
import { requireEnv } from '../../runtime/config';
import { observability as defaultObservability, type Observability } from '../../runtime/observability';
import { getS3Client, getSfnClient, getSqsClient } from '../../runtime/clients';
import { loadSupplierDirectory, type OutboundDeps, type SupplierDirectory } from '../../suppliers/services/supplier-outbound';
import type { WorkflowDeps } from './workflow-common';
import { loadWorkflowSettings } from './workflow-settings';

let cached: WorkflowDeps | undefined;

/** Store, settings, clock and logger, built once per container (config errors surface at cold start). */
export function workflowDeps(obs: Observability = defaultObservability): WorkflowDeps {
  cached ??= {
    store: { ddb: getDocumentClient(), tableName: requireEnv('TABLE_NAME') },
    settings: loadWorkflowSettings(),
    now: systemClock,
    logger: obs.logger,
  };
  return cached;
}

let directory: SupplierDirectory | undefined;

/**
 * SQS and the supplier directory (SUPPLIER_QUEUES): only the tasks that message suppliers need them.
 * With FILES_BUCKET set, also the supplier files bucket: packing slips for every supplier, purchase
 * orders and cancellations as outbox files for `file` suppliers (supplier-outbound.ts).
 */
export function outboundDeps(env: NodeJS.ProcessEnv = process.env): OutboundDeps {
  directory ??= loadSupplierDirectory(env);
  const bucket = env.FILES_BUCKET;
  const files =
    bucket === undefined || bucket === ''
      ? undefined
      : { s3: getS3Client(), bucket, store: { ddb: getDocumentClient(), tableName: requireEnv('TABLE_NAME', env) } };
  return { sqs: getSqsClient(), suppliers: directory, ...(files === undefined ? {} : { files }) };
}

/** Workflow deps plus Step Functions, for the tasks that resume callback states. */
export function responderDeps(obs: Observability = defaultObservability) {
  return { ...workflowDeps(obs), sfn: getSfnClient() };
}
