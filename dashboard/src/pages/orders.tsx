/** Orders: filters and search over GET /ops/orders, refreshed live, newest first, paged by cursor. */
import { useState } from 'preact/hooks';
import { ORDER_STATUSES } from '../../../functions/core/orders/domain/order';
import { getJson, queryString } from '../api';
import { ErrorBox, Money, Section, Status, Time, usePoll } from '../components/ui';
import { OrderList, type OrderSummary } from '../schemas';

/** The pipeline's order statuses (the domain's list, so a new status shows up here). */
const STATUSES = ['', ...ORDER_STATUSES];

export interface OrderFilters {
  status: string;
  channel: string;
  supplier: string;
  olderThanMinutes: string;
  externalOrderId: string;
  email: string;
}

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
  const [draft, setDraft] = useState<OrderFilters>(EMPTY);
  const [filters, setFilters] = useState<OrderFilters>(EMPTY);
  const [pages, setPages] = useState<string[]>([]); // cursors of the pages after the first
  const cursor = pages.at(-1);
  const list = usePoll(() => getJson(`/ops/orders${queryString({ ...filters, limit: 25, cursor })}`, OrderList), [JSON.stringify(filters), cursor]);
  const field = (name: keyof OrderFilters, label: string) => (
    <label>
      {label}
      <input name={name} type="text" value={draft[name]} onInput={(e) => setDraft({ ...draft, [name]: (e.currentTarget as HTMLInputElement).value })} />
    </label>
  );
  return (
    <Section title="Orders" right={<span class="muted">{list.loading ? 'loading…' : 'live'}</span>}>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setPages([]);
          setFilters(draft);
        }}
      >
        <label>
          Status
          <select name="status" value={draft.status} onChange={(e) => setDraft({ ...draft, status: (e.currentTarget as HTMLSelectElement).value })}>
            {STATUSES.map((s) => <option value={s}>{s === '' ? 'any' : s}</option>)}
          </select>
        </label>
        {field('channel', 'Channel')}
        {field('supplier', 'Supplier')}
        {field('olderThanMinutes', 'Older than (min)')}
        {field('externalOrderId', 'External id')}
        {field('email', 'Customer email')}
        <button type="submit">Search</button>
        <button type="button" onClick={() => (setDraft(EMPTY), setFilters(EMPTY), setPages([]))}>Clear</button>
      </form>
      {list.error === undefined ? null : <ErrorBox error={list.error} />}
      {list.data === undefined ? null : <OrdersTable items={list.data.items} />}
      <p class="pager">
        {pages.length > 0 ? <button onClick={() => setPages(pages.slice(0, -1))}>Newer</button> : null}
        {list.data?.nextCursor === undefined ? null : <button onClick={() => setPages([...pages, list.data?.nextCursor ?? ''])}>Older</button>}
      </p>
    </Section>
  );
}
