/** Orders: filters and search over GET /ops/orders, refreshed live, newest first, paged by cursor. */
import { ORDER_STATUSES } from '../../../functions/core/orders/domain/order';
import { Pager, SearchForm, StatusFilter, TextFilter, usePagedSearch } from '../components/search';
import { ErrorBox, Money, Section, Status, Time } from '../components/ui';
import { OrderList, type OrderSummary } from '../schemas';

/** The pipeline's order statuses (the domain's list, so a new status shows up here). */
const STATUSES = ['', ...ORDER_STATUSES];

export type OrderFilters = {
  status: string;
  channel: string;
  supplier: string;
  olderThanMinutes: string;
  externalOrderId: string;
  email: string;
};

const EMPTY: OrderFilters = { status: '', channel: '', supplier: '', olderThanMinutes: '', externalOrderId: '', email: '' };

export function OrdersTable(props: { items: readonly OrderSummary[]; actions?: (o: OrderSummary) => preact.ComponentChildren }) {
  if (props.items.length === 0) return <p class="muted">No orders.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th>Order</th><th>Status</th><th>Channel</th><th>External id</th><th class="num">Total</th><th>Suppliers</th><th>Created</th><th>Updated</th>
          {props.actions === undefined ? null : <th>Actions</th>}
        </tr>
      </thead>
      <tbody>
        {props.items.map((o) => (
          <tr key={o.orderId} data-order-id={o.orderId}>
            <td><a href={`#/orders/${encodeURIComponent(o.orderId)}`}>{o.orderId}</a></td>
            <td><Status value={o.status} />{o.holdReason === undefined ? null : <span class="reason"> {o.holdReason}</span>}{o.exception === undefined ? null : <span class="reason"> {o.exception}</span>}</td>
            <td>{o.channelId}</td>
            <td>{o.externalOrderId}</td>
            <td class="num"><Money amount={o.total.amount} currency={o.total.currency} /></td>
            <td>{o.supplierIds.join(', ')}</td>
            <td><Time iso={o.createdAt} /></td>
            <td><Time iso={o.updatedAt} /></td>
            {props.actions === undefined ? null : <td class="actions">{props.actions(o)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function OrdersPage() {
  const search = usePagedSearch('/ops/orders', EMPTY, OrderList);
  const { list } = search;
  return (
    <Section title="Orders" right={<span class="muted">{list.loading ? 'loading…' : 'live'}</span>}>
      <SearchForm search={search}>
        <StatusFilter search={search} statuses={STATUSES} />
        <TextFilter search={search} name="channel" label="Channel" />
        <TextFilter search={search} name="supplier" label="Supplier" />
        <TextFilter search={search} name="olderThanMinutes" label="Older than (min)" />
        <TextFilter search={search} name="externalOrderId" label="External id" />
        <TextFilter search={search} name="email" label="Customer email" />
      </SearchForm>
      {list.error === undefined ? null : <ErrorBox error={list.error} />}
      {list.data === undefined ? null : <OrdersTable items={list.data.items} />}
      <Pager search={search} />
    </Section>
  );
}
