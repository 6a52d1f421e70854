/**
 * Cancellation requests from outside the workflow (customer, platform webhooks, operators): CONTRACT STUB.
 * The implementation lands with the cancellation flow (issue 11); callers code against this signature.
 */
import type { CancellationInput, CancellationOutcome } from '../../orders/schemas/cancellation';
import { responderDeps } from './runtime-deps';

export type CancellationDeps = ReturnType<typeof responderDeps>;

export function cancellationDeps(): CancellationDeps {
  return responderDeps();
}

export async function requestCancellation(_deps: CancellationDeps, input: CancellationInput): Promise<CancellationOutcome> {
  throw new Error(`Cancellation is not implemented yet (order ${input.orderId})`);
}
