/**
 * Returns: GET /ops/returns (status, UNANSWERED past the supplier's deadline, supplier, age; paged by
 * cursor), each linked to its order. The operator's actions on a return (components/return-forms.tsx, each asked
 * first): authorize a REQUESTED one on the supplier's behalf, receive an AUTHORIZED / IN_TRANSIT one (a condition
 * per line), close a REFUND_REQUESTED one with how the refund was settled.
 */
import { ReturnActionCell, ReturnForm, useReturnActions } from '../components/return-forms';
import { Pager, SearchForm, StatusFilter, TextFilter, usePagedSearch } from '../components/search';
import { ErrorBox, Money, Section, Status, Time } from '../components/ui';
import { ReturnList, type ReturnEntry } from '../schemas';

const STATUSES = ['', 'UNANSWERED', 'REQUESTED', 'AUTHORIZED', 'REJECTED', 'IN_TRANSIT', 'RECEIVED', 'REFUND_REQUESTED', 'CLOSED'];

type ReturnFilters = {
  status: string;
  supplier: string;
  olderThanMinutes: string;
};
const EMPTY: ReturnFilters = { status: '', supplier: '', olderThanMinutes: '' };

/** One return: its row, and under it the receive / close form while open. */
function ReturnRow(props: { r: ReturnEntry; onDone?: (() => void) | undefined; showOrder: boolean }) {
  const { r } = props;
  const state = useReturnActions(props.onDone);
  return (
    <>
      <tr data-return-id={r.returnId}>
        <td>{r.returnId}{r.rma === undefined ? null : <div class="muted small">RMA {r.rma}</div>}</td>
        {!props.showOrder ? null : <td><a href={`#/orders/${encodeURIComponent(r.orderId)}`}>{r.orderId}</a></td>}
        <td>{r.supplierId}</td>
        <td><Status value={r.status} />{r.unanswered ? <span class="status bad"> unanswered</span> : null}</td>
        <td>{r.reason}{r.resolution === undefined ? null : <div class="muted small">{r.resolution}</div>}</td>
        <td class="num">
          {r.units}
          {r.lines.some((l) => l.condition !== undefined) ? (
            <div class="muted small conditions">{r.lines.map((l) => `${l.sku} ${l.condition ?? '–'}`).join(', ')}</div>
          ) : null}
        </td>
        <td class="num">{r.goods === undefined ? '–' : <Money amount={r.goods.amount} currency={r.goods.currency} />}</td>
        <td class="num">{r.refund === undefined ? '–' : <Money amount={r.refund.amount} currency={r.refund.currency} />}</td>
        <td><Time iso={r.createdAt} /></td>
        <td><Time iso={r.status === 'REQUESTED' ? r.respondBy : undefined} /></td>
        <td><ReturnActionCell entry={r} state={state} /></td>
      </tr>
      {state.open ? (
        <tr class="form-row" data-return-form={r.returnId}>
          <td colSpan={props.showOrder ? 11 : 10}><ReturnForm entry={r} state={state} /></td>
        </tr>
      ) : null}
    </>
  );
}

export function ReturnsTable(props: { items: readonly ReturnEntry[]; onDone?: () => void; showOrder?: boolean }) {
  if (props.items.length === 0) return <p class="muted">No returns.</p>;
  return (
    <table>
      <thead>
        <tr><th>Return</th>{props.showOrder === false ? null : <th>Order</th>}<th>Supplier</th><th>Status</th><th>Reason</th><th class="num">Units</th><th class="num">Goods</th><th class="num">Refund</th><th>Requested</th><th>Respond by</th><th></th></tr>
      </thead>
      <tbody>
        {props.items.map((r) => <ReturnRow key={r.returnId} r={r} onDone={props.onDone} showOrder={props.showOrder !== false} />)}
      </tbody>
    </table>
  );
}

export function ReturnsPage() {
  const search = usePagedSearch('/ops/returns', EMPTY, ReturnList);
  const { list } = search;
  return (
    <Section title="Returns" right={<span class="muted">{list.loading ? 'loading…' : 'live'}</span>}>
      <SearchForm search={search}>
        <StatusFilter search={search} statuses={STATUSES} label={(s) => (s === 'UNANSWERED' ? 'unanswered (past deadline)' : s)} />
        <TextFilter search={search} name="supplier" label="Supplier" />
        <TextFilter search={search} name="olderThanMinutes" label="Older than (min)" />
      </SearchForm>
      {list.error === undefined ? null : <ErrorBox error={list.error} />}
      {list.data === undefined ? null : <ReturnsTable items={list.data.items} onDone={list.reload} />}
      <Pager search={search} />
    </Section>
  );
}
