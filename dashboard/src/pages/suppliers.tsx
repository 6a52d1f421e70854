/** Suppliers: feed freshness, stock alerts, scorecard when the API has one, pause / resume (POST /ops/suppliers/{id}/{pause|resume}). */
import { useState } from 'preact/hooks';
import { getJson, postAction } from '../api';
import { ErrorBox, Section, Time, usePoll } from '../components/ui';
import { type Supplier, SupplierList } from '../schemas';

function Scorecard(props: { card: Record<string, unknown> | undefined }) {
  if (props.card === undefined) return <span class="muted">–</span>;
  const show = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : typeof v === 'string' || typeof v === 'boolean' ? String(v) : JSON.stringify(v));
  return <span class="small">{Object.entries(props.card).map(([k, v]) => `${k}: ${show(v)}`).join(' · ')}</span>;
}

function PauseButton(props: { supplier: Supplier; onDone: () => void }) {
  const [error, setError] = useState<unknown>(undefined);
  const [note, setNote] = useState('');
  const action = props.supplier.paused ? 'resume' : 'pause';
  return (
    <span>
      <input class="reason-input" name="pause-note" placeholder="why (shown to operators)" value={note} onInput={(e) => setNote((e.currentTarget as HTMLInputElement).value)} />{' '}
      <button
        data-action={action}
        onClick={() => {
          setError(undefined);
          postAction(`/ops/suppliers/${encodeURIComponent(props.supplier.supplierId)}/${action}`, { note: note.trim() === '' ? `${action} from the dashboard` : note.trim() }).then(() => (setNote(''), props.onDone()), setError);
        }}
      >
        {action}
      </button>
      {error === undefined ? null : <ErrorBox error={error} />}
    </span>
  );
}

/** The session name of an assumed-role ARN (…/Operator/jane → jane), else the ARN. */
function who(actorId: string | undefined): string {
  if (actorId === undefined) return 'an operator';
  return actorId.includes(':assumed-role/') ? (actorId.split('/').pop() ?? actorId) : actorId;
}

export function SuppliersPage() {
  const list = usePoll(() => getJson('/ops/suppliers', SupplierList), []);
  return (
    <Section title="Suppliers">
      {list.error === undefined ? null : <ErrorBox error={list.error} />}
      {list.data === undefined ? null : (
        <table>
          <thead><tr><th>Supplier</th><th>State</th><th>Last feed</th><th>Feed</th><th class="num">Stock alerts</th><th>Scorecard</th><th></th></tr></thead>
          <tbody>
            {list.data.map((s) => (
              <tr key={s.supplierId} data-supplier={s.supplierId}>
                <td>{s.name ?? s.supplierId}<div class="muted small">{s.supplierId}</div></td>
                <td>
                  {s.paused ? <span class="status warn">PAUSED</span> : <span class="status ok">ACTIVE</span>}
                  {s.pause === undefined ? null : <div class="small pause-by">since <Time iso={s.pause.at} /> by {who(s.pause.actorId)}{s.pause.note === undefined ? '' : `: ${s.pause.note}`}</div>}
                  {s.pause !== undefined || s.pauseLog[0] === undefined ? null : <div class="muted small pause-by">{s.pauseLog[0].action}d <Time iso={s.pauseLog[0].at} /> by {who(s.pauseLog[0].actorId)}{s.pauseLog[0].note === undefined ? '' : `: ${s.pauseLog[0].note}`}</div>}
                </td>
                <td><Time iso={s.feed?.lastFeedAt} /></td>
                <td>{s.feed?.stale === true ? <span class="status bad">stale</span> : <span class="status ok">fresh</span>}</td>
                <td class="num">{s.stockAlerts}</td>
                <td><Scorecard card={s.scorecard} /></td>
                <td><PauseButton supplier={s} onDone={list.reload} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}
