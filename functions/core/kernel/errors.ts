/**
 * One base error for the whole pipeline. Every subclass sets `name` (Step Functions Retry/Catch and
 * the HTTP error middleware match on it) and carries `cause`, so nothing is lost when rethrown.
 */
export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `shippingAddress.postcode` or `headers.idempotency-key`. */
  readonly path: string;
  readonly message: string;
}

export class PipelineError extends Error {
  /** HTTP status this error maps to at an API edge. 500 = not exposed to the caller. */
  readonly statusCode: number = 500;
  readonly issues: readonly FieldIssue[];

  constructor(message: string, options?: { cause?: unknown; issues?: readonly FieldIssue[] }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.issues = options?.issues ?? [];
  }

  /** Whether the message may be shown to the caller (4xx only). */
  get expose(): boolean {
    return this.statusCode < 500;
  }
}

export class BadRequestError extends PipelineError {
  override readonly statusCode = 400;
}
export class UnauthorizedError extends PipelineError {
  override readonly statusCode = 401;
}
export class ForbiddenError extends PipelineError {
  override readonly statusCode = 403;
}
export class NotFoundError extends PipelineError {
  override readonly statusCode = 404;
}
export class ConflictError extends PipelineError {
  override readonly statusCode = 409;
}
export class PayloadTooLargeError extends PipelineError {
  override readonly statusCode = 413;
}
export class UnsupportedMediaTypeError extends PipelineError {
  override readonly statusCode = 415;
}
export class ValidationError extends PipelineError {
  override readonly statusCode = 422;
}

// ---------------------------------------------------------------- workflow (Step Functions Retry/Catch match these names)

/**
 * The error names the state machine's Retry / Catch match (exact strings): the one source for the
 * error classes below, lib/constructs/order-workflow.ts and the task-failure payloads.
 */
export const WORKFLOW_ERROR_NAMES = {
  transient: 'TransientError',
  supplierRejected: 'SupplierRejected',
  taskInput: 'TaskInputError',
  workflowState: 'WorkflowStateError',
  // Outcomes reported as errors so the happy path needs no Choice state (each Choice is a paid transition).
  orderOnHold: 'OrderOnHold',
  orderRejected: 'OrderRejected',
  orderOutOfStock: 'OrderOutOfStock',
  orderClosed: 'OrderClosed',
  moreFulfillments: 'MoreFulfillments',
  fulfillmentCancelled: 'FulfillmentCancelled',
} as const;
export type WorkflowErrorName = (typeof WORKFLOW_ERROR_NAMES)[keyof typeof WORKFLOW_ERROR_NAMES];

/**
 * A failure that retrying can fix (throttling, transaction conflicts that outlasted the in-process
 * retries, a dependency briefly unavailable). The state machine retries `TransientError` with backoff.
 */
export class TransientError extends PipelineError {
  // Explicit names: bundles are minified, and Step Functions matches these exact strings.
  override readonly name = WORKFLOW_ERROR_NAMES.transient;
  override readonly statusCode = 503;
}

/**
 * The supplier rejected a fulfillment (or withdrew its acceptance). Sent with SendTaskFailure by the
 * supplier inbound handler (and by the workflow tasks themselves when they find the rejection already
 * recorded); `cause` is JSON `{ fulfillmentId, reasons: [{ reason, lineNo?, message? }] }`.
 * The state machine catches it into `Reroute`.
 */
export class SupplierRejected extends PipelineError {
  override readonly name = WORKFLOW_ERROR_NAMES.supplierRejected;
}

/** A workflow task got a payload that does not match its contract (a definition bug: not retried). */
export class TaskInputError extends PipelineError {
  override readonly name = WORKFLOW_ERROR_NAMES.taskInput;
}

/** A workflow task found the order / fulfillment missing or in a state it cannot act on (not retried). */
export class WorkflowStateError extends PipelineError {
  override readonly name = WORKFLOW_ERROR_NAMES.workflowState;
}

/**
 * A workflow outcome other than the happy one, reported as a named error that a Catch routes (ValidateAndRoute:
 * OrderOnHold / OrderRejected / OrderOutOfStock / OrderClosed; Complete: MoreFulfillments; callback waits:
 * FulfillmentCancelled). Not a failure: the task wrapper logs it at info level and Step Functions never retries it.
 */
export class WorkflowOutcome extends PipelineError {
  override readonly name: WorkflowErrorName;
  constructor(name: WorkflowErrorName, message: string) {
    super(message);
    this.name = name;
  }
}

/** Narrow an unknown caught value to an Error without losing it. */
export function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(typeof value === 'string' ? value : JSON.stringify(value));
}
