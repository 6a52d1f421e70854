/**
 * An operator confirms that a return parcel arrived (POST /ops/returns/{returnId}/receive): the return of a
 * supplier whose returns go to the retailer's own address (`destination: retailer`: nobody else can confirm
 * them), or of a supplier that confirmed by phone or mail. It is the supplier's RETURN_RECEIVED applied on its
 * behalf by the same service (suppliers/services/return-messages.ts): the same checks (every line named once,
 * AUTHORIZED or IN_TRANSIT first), the same refund or exchange step, the timeline naming the operator.
 *
 * Idempotent: the message id is derived from the return, so a repeated request is a duplicate (`changed: false`).
 */
import { ConflictError, NotFoundError, ValidationError } from '../../kernel/errors';
import { applyReturnMessage, type ReturnDeps } from '../../suppliers/services/return-messages';
import { parseReturnId } from '../domain/returns';
import type { ReceiveReturnRequest } from '../schemas/returns';
import { getReturn } from '../store/returns';

export interface ReceiveReturnResult {
  readonly returnId: string;
  readonly orderId: string;
  /** The return's status after the receipt (RECEIVED, REFUND_REQUESTED or CLOSED). */
  readonly status: string;
  readonly changed: boolean;
}

/** The message id of an operator's receipt of `returnId` (one per return: a retry is a duplicate). */
export const operatorReceiptMessageId = (returnId: string): string => `ops-receive-${returnId}`.slice(0, 128);

export async function receiveReturn(deps: ReturnDeps, input: { readonly returnId: string; readonly request: ReceiveReturnRequest }): Promise<ReceiveReturnResult> {
  const ref = parseReturnId(input.returnId);
  const notFound = () => new NotFoundError('Return not found', { issues: [{ path: 'pathParameters.returnId', message: 'no such return' }] });
  if (ref === undefined) throw notFound();
  const record = await getReturn(deps.store, ref.orderId, input.returnId);
  if (record === undefined) throw notFound();
  const outcome = await applyReturnMessage(
    deps,
    record.supplierId,
    {
      type: 'RETURN_RECEIVED',
      messageId: operatorReceiptMessageId(record.returnId),
      returnId: record.returnId,
      fulfillmentId: record.fulfillmentId,
      occurredAt: deps.now().toISOString(),
      lines: input.request.lines.map((l) => ({ lineNo: l.lineNo, condition: l.condition })),
    },
    'operator',
  );
  switch (outcome.kind) {
    case 'applied':
      return { returnId: record.returnId, orderId: record.orderId, status: outcome.status, changed: true };
    case 'duplicate':
    case 'stale':
      // Already RECEIVED or past it (REQUESTED and REJECTED cannot move to RECEIVED: poison, below).
      return { returnId: record.returnId, orderId: record.orderId, status: record.status, changed: false };
    case 'poison':
      if (outcome.code === 'UNKNOWN_LINE') throw new ValidationError('The lines do not match the return', { issues: [{ path: 'lines', message: outcome.message }] });
      break;
    case 'inventory':
      break;
  }
  throw new ConflictError(`Return ${record.returnId} is ${record.status}: only an AUTHORIZED or IN_TRANSIT return can be received`, {
    issues: [{ path: 'pathParameters.returnId', message: `the return is ${record.status}` }],
  });
}
