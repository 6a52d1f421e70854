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

/** The row's action cell: the action of its status; the last outcome stays shown after the status moved on. */
export function ReturnActions(props: { entry: ReturnEntry; onDone?: (() => void) | undefined }) {
  const r = props.entry;
  const [open, setOpen] = useState(false);
  const [outcome, setOutcome] = useState<string | undefined>(undefined);
  const action = returnActionFor(r.status);
  const done = (text: string) => {
    setOutcome(text);
    setOpen(false);
    props.onDone?.();
  };
  return (
    <div class="return-actions">
      {action === 'authorize' ? (
        <ConfirmButton
          name="authorize"
          class="approve"
          label={r.unanswered ? 'authorize (unanswered)' : 'authorize'}
          question={`Authorize ${r.returnId} on ${r.supplierId}'s behalf?`}
          onDone={done}
          run={async () => {
            await postAction(path(r.returnId, 'authorize'), { note: 'authorized from the dashboard' });
            return 'authorized';
          }}
        />
      ) : action === undefined ? null : open ? (
        action === 'receive' ? <ReceiveForm entry={r} onDone={done} onCancel={() => setOpen(false)} /> : <CloseForm entry={r} onDone={done} onCancel={() => setOpen(false)} />
      ) : (
        <button class={`act ${action === 'receive' ? 'approve' : 'resolve'}`} data-action={action} onClick={() => (setOutcome(undefined), setOpen(true))}>
          {action === 'receive' ? 'receive…' : 'close…'}
        </button>
      )}
      {outcome === undefined ? null : <div class="muted small outcome">{outcome}</div>}
    </div>
  );
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
        question={`Record ${r.returnId} as received (${summary})?`}
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
          question={`Close ${r.returnId} as refunded outside the storefront?`}
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
