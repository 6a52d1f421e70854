/** One order: GET /ops/orders/{orderId}: lines and totals, actions, timeline, workflow graph, fulfillments, documents, deliveries, returns. */
import { useState } from 'preact/hooks';
import { getJson, openDocument } from '../api';
import { ActionBar, actionsFor } from '../components/actions';
import { WorkflowGraph } from '../components/graph';
import { ErrorBox, Money, Section, Status, Time, usePoll } from '../components/ui';
import { type DocumentLink, OrderLook } from '../schemas';
import { ReturnsTable } from './returns';

const FINAL = new Set(['DELIVERED', 'CANCELLED', 'REJECTED']);

function DocumentButton(props: { doc: DocumentLink }) {
  const [url, setUrl] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const open = async () => {
    const popup = window.open('', '_blank'); // opened on the click (popup blockers), filled when the bytes are here
    try {
      const blobUrl = await openDocument(props.doc.href);
      setUrl(blobUrl);
      if (popup !== null) popup.location.href = blobUrl;
    } catch (e) {
      popup?.close();
      setError(e);
    }
  };
  return (
    <li data-document={props.doc.kind}>
      <button class="doc" onClick={() => void open()}>{props.doc.kind}</button> {props.doc.supplierId ?? ''}{' '}
      {url === undefined ? null : <a href={url} target="_blank" rel="noopener">opened</a>}
      {error === undefined ? null : <ErrorBox error={error} />}
    </li>
  );
}

export function OrderPage(props: { orderId: string }) {
  const [live, setLive] = useState(true);
  const look = usePoll(
    // A RECEIVED return is live too: its refund (or exchange) step follows the receipt.
    () => getJson(`/ops/orders/${encodeURIComponent(props.orderId)}`, OrderLook).then((l) => (FINAL.has(l.order.status) && l.execution?.status !== 'RUNNING' && !l.returns.some((r) => r.status === 'RECEIVED') && setLive(false), l)),
    [props.orderId],
    live,
  );
  if (look.data === undefined) return <Section title={`Order ${props.orderId}`}>{look.error === undefined ? <p class="muted">loading…</p> : <ErrorBox error={look.error} />}</Section>;
  const { order, timeline, execution, fulfillments, documents, deliveries, returns } = look.data;
  const c = order.currency;
  return (
    <div>
      <Section title={`Order ${order.orderId}`} right={<Status value={order.status} />}>
        {look.error === undefined ? null : <ErrorBox error={look.error} />}
        <dl class="facts">
          <dt>Channel</dt><dd>{order.channelId} / {order.externalOrderId}</dd>
          <dt>Total</dt><dd><Money amount={order.totals.total} currency={c} /></dd>
          {order.holdReason === undefined ? null : (<><dt>Hold reason</dt><dd>{order.holdReason}</dd></>)}
          <dt>Payment</dt><dd>{order.payment?.status ?? '–'}</dd>
          {order.refundRequested === undefined ? null : (<><dt>Refund requested</dt><dd><Money amount={order.refundRequested} currency={c} /></dd></>)}
          <dt>Customer</dt><dd>{order.customer?.email ?? '–'}</dd>
          <dt>Ship to</dt><dd>{[order.shippingAddress?.postcode, order.shippingAddress?.city, order.shippingAddress?.country].filter(Boolean).join(' ')}</dd>
          <dt>Created</dt><dd><Time iso={order.createdAt} /></dd>
          <dt>Updated</dt><dd><Time iso={order.updatedAt} /></dd>
        </dl>
        <ActionBar orderId={order.orderId} actions={actionsFor(order.status, { executionStatus: execution?.status })} onDone={() => (setLive(true), look.reload())} />
      </Section>
      <Section title="Lines">
        <table>
          <thead><tr><th>#</th><th>SKU</th><th>Title</th><th class="num">Qty</th><th class="num">Unit price</th></tr></thead>
          <tbody>
            {order.lines.map((l) => (
              <tr key={l.lineNo}><td>{l.lineNo}</td><td>{l.sku}</td><td>{l.title ?? ''}</td><td class="num">{l.quantity}</td><td class="num"><Money amount={l.unitPrice} currency={c} /></td></tr>
            ))}
          </tbody>
          <tfoot>
            {(['subtotal', 'shipping', 'tax', 'discount', 'total'] as const).map((k) => (
              <tr key={k}><td colSpan={4} class="num">{k}</td><td class="num"><Money amount={order.totals[k]} currency={c} /></td></tr>
            ))}
          </tfoot>
        </table>
      </Section>
      <Section title="Workflow" right={execution === null ? <span class="muted">no execution</span> : <Status value={execution.status} />}>
        {execution === null || execution.currentState === undefined ? null : <p>Current state: <strong class="current-state">{execution.currentState}</strong></p>}
        {execution === null || execution.failures.length === 0 ? null : (
          <ul class="failures">{execution.failures.map((f) => <li>{f.state}: {f.error} {f.cause ?? ''}</li>)}</ul>
        )}
        <div class="graph-box">
          <WorkflowGraph definition={look.data.stateMachineDefinition} visited={execution?.visitedStates ?? []} current={execution?.currentState} failed={execution?.failures.map((f) => f.state ?? '') ?? []} />
        </div>
      </Section>
      <Section title="Timeline">
        <table class="timeline">
          <thead><tr><th>At</th><th>Actor</th><th>Event</th><th>Message</th></tr></thead>
          <tbody>
            {timeline.map((t, i) => (
              <tr key={i}><td><Time iso={t.at} /></td><td>{t.actor}{t.actorId === undefined ? null : <div class="muted small">{t.actorId}</div>}</td><td>{t.type}</td><td>{t.message}</td></tr>
            ))}
          </tbody>
        </table>
      </Section>
      <Section title="Fulfillments">
        {fulfillments.length === 0 ? <p class="muted">None yet.</p> : (
          <table>
            <thead><tr><th>Fulfillment</th><th>Supplier</th><th>Status</th><th>Lines</th></tr></thead>
            <tbody>{fulfillments.map((f) => <tr key={f.fulfillmentId}><td>{f.fulfillmentId}</td><td>{f.supplierId}</td><td><Status value={f.status} /></td><td>{f.lines.map((l) => `#${l.lineNo} x${l.quantity}`).join(', ')}</td></tr>)}</tbody>
          </table>
        )}
        <h3>Documents</h3>
        {documents.length === 0 ? <p class="muted">None yet.</p> : <ul class="documents">{documents.map((d) => <DocumentButton key={d.href} doc={d} />)}</ul>}
      </Section>
      <Section title="Storefront deliveries">
        {deliveries.length === 0 ? <p class="muted">None yet.</p> : (
          <table>
            <thead><tr><th>Notification</th><th>Type</th><th>Status</th><th>Attempts</th><th>Last error</th><th>Next retry</th></tr></thead>
            <tbody>
              {deliveries.map((d) => (
                <tr key={d.notificationId} data-delivery={d.notificationId}>
                  <td>{d.notificationId}</td>
                  <td>{d.type}</td>
                  <td><Status value={d.status} /></td>
                  <td class="small">
                    {d.history.length === 0 ? <span class="muted">–</span> : (
                      <ol class="attempts">{d.history.map((a) => <li key={a.n + a.at}>#{a.n} <Time iso={a.at} /> <Status value={a.result} />{a.status === undefined ? '' : ` HTTP ${a.status}`}</li>)}</ol>
                    )}
                  </td>
                  <td class="small">{d.lastError ?? ''}</td>
                  <td><Time iso={d.nextRetryAt} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      <Section title="Returns">
        {returns.length === 0 ? <p class="muted">None.</p> : <ReturnsTable items={returns} showOrder={false} onDone={() => (setLive(true), look.reload())} />}
      </Section>
    </div>
  );
}
