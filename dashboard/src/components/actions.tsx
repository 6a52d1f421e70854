/** Operator actions on an order (POST /ops/orders/{orderId}/{action}); the API audits them with the caller's identity. */
import { useState } from 'preact/hooks';
import { postAction } from '../api';
import { ErrorBox } from './ui';

export type OrderAction = 'approve' | 'reject' | 'hold' | 'release' | 'cancel' | 'redrive' | 'resolve';

/** The body field each action takes from the text box, and whether it is required. */
const TEXT: Record<OrderAction, { field: 'note' | 'reason' | undefined; required: boolean }> = {
  approve: { field: 'note', required: false },
  reject: { field: 'reason', required: true },
  hold: { field: 'reason', required: true },
  release: { field: 'note', required: false },
  cancel: { field: 'reason', required: true },
  redrive: { field: undefined, required: false },
  resolve: { field: 'note', required: true },
};

/** Actions that make sense for an order in this state (the API still answers 409 when one does not). */
export function actionsFor(status: string, opts: { executionStatus?: string | undefined; exception?: boolean } = {}): OrderAction[] {
  const out: OrderAction[] = [];
  if (status === 'ON_HOLD') out.push('approve', 'reject', 'release');
  else if (!['DELIVERED', 'CANCELLED', 'REJECTED'].includes(status)) out.push('hold');
  if (!['DELIVERED', 'CANCELLED', 'REJECTED', 'SHIPPED'].includes(status)) out.push('cancel');
  if (opts.executionStatus !== undefined && ['FAILED', 'TIMED_OUT', 'ABORTED'].includes(opts.executionStatus)) out.push('redrive');
  if (opts.exception === true) out.push('resolve');
  return out;
}

export function ActionBar(props: { orderId: string; actions: readonly OrderAction[]; onDone: (action: OrderAction) => void }) {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState<OrderAction | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const run = async (action: OrderAction) => {
    const spec = TEXT[action];
    if (spec.required && text.trim() === '') {
      setError(new Error(`${action}: write the ${spec.field ?? 'note'} first`));
      return;
    }
    setBusy(action);
    setError(undefined);
    try {
      await postAction(`/ops/orders/${encodeURIComponent(props.orderId)}/${action}`, spec.field === undefined ? {} : { [spec.field]: text.trim() });
      setDone(`${action}: done`);
      setText('');
      props.onDone(action);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(undefined);
    }
  };
  if (props.actions.length === 0) return null;
  return (
    <div class="action-bar">
      <input class="reason-input" placeholder="reason / note (no customer data)" value={text} onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)} />
      {props.actions.map((a) => (
        <button key={a} class={`act ${a}`} data-action={a} disabled={busy !== undefined} onClick={() => void run(a)}>
          {busy === a ? '…' : a}
        </button>
      ))}
      {done === undefined ? null : <span class="muted"> {done}</span>}
      {error === undefined ? null : <ErrorBox error={error} />}
    </div>
  );
}
