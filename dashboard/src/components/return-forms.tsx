/**
 * The operator's actions on one return, each asked first (ConfirmButton), each audited by the ops API with the
 * operator's identity (docs/returns.md):
 *   authorize  REQUESTED                POST /ops/returns/{returnId}/authorize (on the supplier's behalf)
 *   receive    AUTHORIZED, IN_TRANSIT   POST /ops/returns/{returnId}/receive { lines: [{ lineNo, condition }] }
 *   close      REFUND_REQUESTED         POST /ops/returns/{returnId}/close { note } (refund settled outside the storefront)
 * The API still answers 409 when the return moved on meanwhile; the error is shown where the operator clicked.
 */
import { useState } from 'preact/hooks';
import { RETURN_CONDITIONS, type ReturnCondition } from '../../../functions/core/returns/domain/returns';
import { postAction } from '../api';
import { returnActionFor, type ReturnAction } from '../return-actions';
import { CloseReturnResult, ReceiveReturnResult, type ReturnEntry } from '../schemas';
import { ConfirmButton } from './confirm';
import { ErrorBox } from './ui';

const path = (returnId: string, action: ReturnAction) => `/ops/returns/${encodeURIComponent(returnId)}/${action}`;

/** The state of one return row's actions: the form open under the row, the last outcome (it outlives the status it changed). */
export interface ReturnActionState {
  readonly open: boolean;
  readonly setOpen: (open: boolean) => void;
  readonly outcome: string | undefined;
  readonly done: (outcome: string) => void;
}

export function useReturnActions(onDone?: () => void): ReturnActionState {
  const [open, setOpen] = useState(false);
  const [outcome, setOutcome] = useState<string | undefined>(undefined);
  return {
    open,
    outcome,
    setOpen: (next) => (next && setOutcome(undefined), setOpen(next)),
    done: (text) => (setOutcome(text), setOpen(false), onDone?.()),
  };
}

/** The row's action cell: authorize (asked first), or the button that opens the receive / close form under the row. */
export function ReturnActionCell(props: { entry: ReturnEntry; state: ReturnActionState }) {
  const r = props.entry;
  const { state } = props;
  const action = returnActionFor(r.status);
  return (
    <div class="return-actions">
      {action === 'authorize' ? (
        <ConfirmButton
          name="authorize"
          class="approve"
          label={r.unanswered ? 'authorize (unanswered)' : 'authorize'}
          question={`Authorize ${r.returnId} on ${r.supplierId}'s behalf?`}
          onDone={state.done}
          run={async () => {
            await postAction(path(r.returnId, 'authorize'), { note: 'authorized from the dashboard' });
            return 'authorized';
          }}
        />
      ) : action === undefined ? null : state.open ? (
        <span class="muted small">{action === 'receive' ? 'receive ↓' : 'close ↓'}</span>
      ) : (
        <button class={`act ${action === 'receive' ? 'approve' : 'resolve'}`} data-action={action} onClick={() => state.setOpen(true)}>
          {action === 'receive' ? 'receive…' : 'close…'}
        </button>
      )}
      {state.outcome === undefined ? null : <div class="muted small outcome">{state.outcome}</div>}
    </div>
  );
}

/** The open form of a row (drawn in a row of its own under it), or nothing. */
export function ReturnForm(props: { entry: ReturnEntry; state: ReturnActionState }) {
  const action = returnActionFor(props.entry.status);
  if (!props.state.open) return null;
  const cancel = () => props.state.setOpen(false);
  if (action === 'receive') return <ReceiveForm entry={props.entry} onDone={props.state.done} onCancel={cancel} />;
  if (action === 'close') return <CloseForm entry={props.entry} onDone={props.state.done} onCancel={cancel} />;
  return null;
}

/** One condition per returned line (default as_new); asked first, then POST …/receive. */
export function ReceiveForm(props: { entry: ReturnEntry; onDone: (outcome: string) => void; onCancel: () => void }) {
  const r = props.entry;
  const [conditions, setConditions] = useState<Record<number, ReturnCondition>>(() => Object.fromEntries(r.lines.map((l) => [l.lineNo, 'as_new' as const])));
  if (r.lines.length === 0) return <ErrorBox error={new Error(`${r.returnId}: the API listed no lines to receive`)} />;
  const chosen = r.lines.map((l) => ({ lineNo: l.lineNo, condition: conditions[l.lineNo] ?? 'as_new' }));
  const summary = chosen.map((c) => `line ${c.lineNo} ${c.condition}`).join(', ');
  return (
    <div class="return-form" data-form="receive">
      <table class="lines">
        <thead>
          <tr><th>Line</th><th>SKU</th><th class="num">Qty</th><th>Condition</th></tr>
        </thead>
        <tbody>
          {r.lines.map((l) => (
            <tr key={l.lineNo} data-line-no={l.lineNo}>
              <td>{l.lineNo}</td>
              <td>{l.sku}</td>
              <td class="num">{l.quantity}</td>
              <td>
                <select
                  name={`condition-${l.lineNo}`}
                  value={conditions[l.lineNo] ?? 'as_new'}
                  onChange={(e) => {
                    const value = (e.currentTarget as HTMLSelectElement).value;
                    const condition = RETURN_CONDITIONS.find((c) => c === value);
                    if (condition !== undefined) setConditions({ ...conditions, [l.lineNo]: condition });
                  }}
                >
                  {RETURN_CONDITIONS.map((c) => <option value={c}>{c.replace('_', ' ')}</option>)}
                </select>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ConfirmButton
        name="receive"
        class="approve"
        label="receive"
        question={`Record the parcel as received: ${summary}?`}
        onDone={props.onDone}
        run={async () => {
          const result = ReceiveReturnResult.parse(await postAction(path(r.returnId, 'receive'), { lines: chosen }));
          return result.changed ? `received: ${result.status}` : `already received (${result.status})`;
        }}
      />{' '}
      <button data-cancel-form="receive" onClick={props.onCancel}>back</button>
    </div>
  );
}

/** How the refund was settled (required), asked first, then POST …/close. */
export function CloseForm(props: { entry: ReturnEntry; onDone: (outcome: string) => void; onCancel: () => void }) {
  const r = props.entry;
  const [note, setNote] = useState('');
  const [missing, setMissing] = useState(false);
  return (
    <div class="return-form" data-form="close">
      <input
        class="reason-input"
        name="note"
        placeholder="how the refund was settled (no customer data)"
        value={note}
        onInput={(e) => (setNote((e.currentTarget as HTMLInputElement).value), setMissing(false))}
      />{' '}
      {note.trim() === '' ? (
        <button class="act resolve" data-action="close" onClick={() => setMissing(true)}>close</button>
      ) : (
        <ConfirmButton
          name="close"
          class="resolve"
          label="close"
          question={`Close ${r.rma ?? r.returnId} as refunded outside the storefront?`}
          onDone={props.onDone}
          run={async () => {
            const result = CloseReturnResult.parse(await postAction(path(r.returnId, 'close'), { note: note.trim() }));
            return result.changed ? `closed (${result.status})` : `already closed (${result.closedBy ?? 'unknown'})`;
          }}
        />
      )}{' '}
      <button data-cancel-form="close" onClick={props.onCancel}>back</button>
      {missing ? <ErrorBox error={new Error('close: write how the refund was settled first')} /> : null}
    </div>
  );
}
