/**
 * POST /ops/returns/{returnId}/authorize: an operator authorizes a return on the supplier's behalf (the
 * supplier stayed silent past `respondBy`, or answered by phone or mail). REQUESTED → AUTHORIZED with the RMA
 * the operator gives (default OPS-{last 10 of the id}), the retailer's return address when configured for the
 * supplier, and instructions; the supplier's later RETURN_SHIPPED / RETURN_RECEIVED continue the return.
 * Idempotent: an already authorized return answers as it is (`changed: false`).
 */
import type { Actor } from '../../events/domain/events';
import { TimelineBatch } from '../../events/store/timeline';
import { ConflictError, NotFoundError } from '../../kernel/errors';
import { transact } from '../../runtime/table/transactions';
import { RETRY, optimistic } from '../../workflow/services/workflow-common';
import { nextReturn, parseReturnId } from '../domain/returns';
import type { AuthorizeReturnRequest } from '../schemas/returns';
import { getReturn, putReturnUpdate } from '../store/returns';
import type { ReturnsDeps } from './request-return';
import { authorizedEvent } from './return-steps';

export interface AuthorizeReturnResult {
  readonly returnId: string;
  readonly orderId: string;
  readonly status: string;
  readonly rma: string;
  readonly changed: boolean;
}

export async function authorizeReturn(
  deps: Pick<ReturnsDeps, 'store' | 'now' | 'logger' | 'config'>,
  input: { readonly returnId: string; readonly request: AuthorizeReturnRequest; readonly actor: Actor },
): Promise<AuthorizeReturnResult> {
  const ref = parseReturnId(input.returnId);
  const notFound = () => new NotFoundError('Return not found', { issues: [{ path: 'pathParameters.returnId', message: 'no such return' }] });
  if (ref === undefined) throw notFound();
  return optimistic('AuthorizeReturn', async (): Promise<AuthorizeReturnResult | typeof RETRY> => {
    const record = await getReturn(deps.store, ref.orderId, input.returnId);
    if (record === undefined) throw notFound();
    if (record.status !== 'REQUESTED') {
      if (record.authorization !== undefined) return { returnId: record.returnId, orderId: record.orderId, status: record.status, rma: record.authorization.rma, changed: false };
      throw new ConflictError(`Return ${record.returnId} is ${record.status}: only a REQUESTED return can be authorized`);
    }
    const at = deps.now().toISOString();
    const address = record.destination === 'retailer' ? deps.config.retailerAddress : undefined;
    const next = nextReturn(
      record,
      {
        status: 'AUTHORIZED',
        authorization: {
          rma: input.request.rma ?? `OPS-${record.returnId.slice(-10).toUpperCase()}`,
          ...(address === undefined ? {} : { returnAddress: Object.fromEntries(Object.entries(address).filter((e): e is [string, string] => e[1] !== undefined)) }),
          ...(input.request.instructions === undefined ? {} : { instructions: input.request.instructions }),
          by: input.actor,
          at,
        },
      },
      at,
    );
    const timeline = new TimelineBatch(record.orderId, record.channelId, at).add(authorizedEvent(next, input.actor));
    const result = await transact(deps.store, [putReturnUpdate(deps.store, next, record.version), ...timeline.items(deps.store)]);
    if (!result.ok) return RETRY;
    deps.logger.info('Return authorized by an operator', { returnId: record.returnId, orderId: record.orderId });
    return { returnId: record.returnId, orderId: record.orderId, status: next.status, rma: next.authorization?.rma ?? '', changed: true };
  });
}
