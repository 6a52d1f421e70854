/** The exceptions queue: held orders awaiting a decision (GET /ops/orders?status=ON_HOLD) and open exceptions (GET /ops/exceptions). */
import { getJson, queryString } from '../api';
import { ActionBar } from '../components/actions';
import { ErrorBox, Section, Time, usePoll } from '../components/ui';
import { ExceptionList, OrderList } from '../schemas';
import { OrdersTable } from './orders';

export function ExceptionsPage() {
  const held = usePoll(() => getJson(`/ops/orders${queryString({ status: 'ON_HOLD', limit: 50 })}`, OrderList), []);
  const open = usePoll(() => getJson('/ops/exceptions?limit=100', ExceptionList), []);
  const reload = () => (held.reload(), open.reload());
  return (
    <div>
      <Section title="Held orders" right={<span class="muted">{held.data === undefined ? '' : `${held.data.items.length} waiting`}</span>}>
        {held.error === undefined ? null : <ErrorBox error={held.error} />}
        {held.data === undefined ? null : (
          <OrdersTable items={held.data.items} actions={(o) => <ActionBar orderId={o.orderId} actions={['approve', 'reject', 'release', 'cancel']} onDone={reload} />} />
        )}
      </Section>
      <Section title="Open exceptions">
        {open.error === undefined ? null : <ErrorBox error={open.error} />}
        {open.data === undefined ? null : open.data.items.length === 0 ? <p class="muted">None.</p> : (
          <table>
            <thead><tr><th>Kind</th><th>Since</th><th>Order</th><th>Supplier</th><th>Status</th><th>Actions</th></tr></thead>
            <tbody>
              {open.data.items.map((x) => (
                <tr key={`${x.entity}|${x.kind}`} data-exception={x.kind}>
                  <td>{x.kind}</td>
                  <td><Time iso={x.since} /></td>
                  <td>{x.orderId === undefined ? x.entity : <a href={`#/orders/${encodeURIComponent(x.orderId)}`}>{x.orderId}</a>}</td>
                  <td>{x.supplierId ?? ''}{x.sku === undefined ? '' : ` (${x.sku})`}</td>
                  <td>{x.status ?? ''}</td>
                  <td class="actions">{x.orderId === undefined ? null : <ActionBar orderId={x.orderId} actions={['resolve', 'hold', 'cancel']} onDone={reload} />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </div>
  );
}
