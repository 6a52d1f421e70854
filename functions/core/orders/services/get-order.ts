/** GET /orders/{orderId} business function: one Query; another channel's order is indistinguishable from none. */
import { NotFoundError } from '../../kernel/errors';
import type { OrderViewResponse } from '../schemas/order';
import type { StoreContext } from '../../runtime/table/context';
import { getOrderView } from '../store/orders';
import { toOrderViewResponse } from './order-response';

export async function getOrderForChannel(deps: { readonly store: StoreContext }, input: { readonly channelId: string; readonly orderId: string }): Promise<OrderViewResponse> {
  const view = await getOrderView(deps.store, input.orderId);
  if (view === undefined || view.order.channelId !== input.channelId) {
    throw new NotFoundError('Order not found', { issues: [{ path: 'pathParameters.orderId', message: 'no such order for this channel' }] });
  }
  return toOrderViewResponse(view.order, view.timeline, view.fulfillments, view.returns);
}
