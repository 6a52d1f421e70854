/**
 * Returns: GET /ops/returns (status, UNANSWERED past the supplier's deadline, supplier, age; paged by
 * cursor), each linked to its order. The operator's actions on a return (components/return-forms.tsx, each asked
 * first): authorize a REQUESTED one on the supplier's behalf, receive an AUTHORIZED / IN_TRANSIT one (a condition
 * per line), close a REFUND_REQUESTED one with how the refund was settled.
 */
import { useState } from 'preact/hooks';
import { getJson, queryString } from '../api';
import { ReturnActionCell, ReturnForm, useReturnActions } from '../components/return-forms';
import { ErrorBox, Money, Section, Status, Time, usePoll } from '../components/ui';
import { ReturnList, type ReturnEntry } from '../schemas';

const STATUSES = ['', 'UNANSWERED', 'REQUESTED', 'AUTHORIZED', 'REJECTED', 'IN_TRANSIT', 'RECEIVED', 'REFUND_REQUESTED', 'CLOSED'];

interface ReturnFilters {
  status: string;
  supplier: string;
  olderThanMinutes: string;
}
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
  const [draft, setDraft] = useState<ReturnFilters>(EMPTY);
  const [filters, setFilters] = useState<ReturnFilters>(EMPTY);
  const [pages, setPages] = useState<string[]>([]);
  const cursor = pages.at(-1);
  const list = usePoll(() => getJson(`/ops/returns${queryString({ ...filters, limit: 25, cursor })}`, ReturnList), [JSON.stringify(filters), cursor]);
  return (
    <Section title="Returns" right={<span class="muted">{list.loading ? 'loading…' : 'live'}</span>}>
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
            {STATUSES.map((s) => <option value={s}>{s === '' ? 'any' : s === 'UNANSWERED' ? 'unanswered (past deadline)' : s}</option>)}
          </select>
        </label>
        <label>
          Supplier
          <input name="supplier" value={draft.supplier} onInput={(e) => setDraft({ ...draft, supplier: (e.currentTarget as HTMLInputElement).value })} />
        </label>
        <label>
          Older than (min)
          <input name="olderThanMinutes" value={draft.olderThanMinutes} onInput={(e) => setDraft({ ...draft, olderThanMinutes: (e.currentTarget as HTMLInputElement).value })} />
        </label>
        <button type="submit">Search</button>
        <button type="button" onClick={() => (setDraft(EMPTY), setFilters(EMPTY), setPages([]))}>Clear</button>
      </form>
      {list.error === undefined ? null : <ErrorBox error={list.error} />}
      {list.data === undefined ? null : <ReturnsTable items={list.data.items} onDone={list.reload} />}
      <p class="pager">
        {pages.length > 0 ? <button onClick={() => setPages(pages.slice(0, -1))}>Newer</button> : null}
        {list.data?.nextCursor === undefined ? null : <button onClick={() => setPages([...pages, list.data?.nextCursor ?? ''])}>Older</button>}
      </p>
    </Section>
  );
}
