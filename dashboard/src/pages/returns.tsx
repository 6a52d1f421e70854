/** Returns: GET /ops/returns when the returns feature is deployed (otherwise says so). */
import { ApiError, getJson } from '../api';
import { ErrorBox, Section, usePoll } from '../components/ui';
import { ReturnList } from '../schemas';

export function ReturnsPage() {
  const list = usePoll(() => getJson('/ops/returns', ReturnList), []);
  const missing = list.error instanceof ApiError && (list.error.status === 404 || list.error.status === 403) && list.data === undefined;
  return (
    <Section title="Returns">
      {missing ? <p class="muted">This stack has no returns API yet.</p> : list.error === undefined ? null : <ErrorBox error={list.error} />}
      {list.data === undefined ? null : list.data.length === 0 ? <p class="muted">No returns.</p> : (
        <table>
          <thead><tr><th>Return</th><th>Order</th><th>Status</th></tr></thead>
          <tbody>
            {list.data.map((r, i) => {
              const orderId = typeof r['orderId'] === 'string' ? r['orderId'] : undefined;
              return (
                <tr key={r.returnId ?? i}>
                  <td>{r.returnId ?? '–'}</td>
                  <td>{orderId === undefined ? '–' : <a href={`#/orders/${encodeURIComponent(orderId)}`}>{orderId}</a>}</td>
                  <td>{r.status ?? ''}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Section>
  );
}
