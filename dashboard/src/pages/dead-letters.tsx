/**
 * Dead letters: each DLQ with its depth and a peek at its messages (ids, times, receive counts, the recorded
 * reason; never a body), GET /ops/dead-letters. Replay one message or all of a source after a fix, asked
 * first: POST /ops/dead-letters/{source}/replay.
 */
import { getJson, postAction } from '../api';
import { ConfirmButton } from '../components/confirm';
import { ErrorBox, Section, Time, usePoll } from '../components/ui';
import { DeadLetterList, ReplayResult, type DeadLetterQueue } from '../schemas';

async function replay(source: string, messageIds?: readonly string[]): Promise<string> {
  const result = ReplayResult.parse(await postAction(`/ops/dead-letters/${encodeURIComponent(source)}/replay`, messageIds === undefined ? {} : { messageIds }));
  return `${result.replayed} replayed${result.notFound.length > 0 ? `, ${result.notFound.length} no longer there` : ''}`;
}

function Queue(props: { queue: DeadLetterQueue; onDone: () => void }) {
  const q = props.queue;
  return (
    <div class="dlq" data-dlq={q.name} data-source={q.source}>
      <h3>
        {q.name} <span class="muted small">({q.source})</span> <span class={`status ${q.approximateCount > 0 ? 'bad' : 'ok'}`} data-depth={q.approximateCount}>{q.approximateCount} waiting</span>
      </h3>
      {q.messages.length === 0 ? <p class="muted">Empty.</p> : (
        <table>
          <thead><tr><th>Message</th><th>Sent</th><th class="num">Receives</th><th>Group / type</th><th>Reason</th><th></th></tr></thead>
          <tbody>
            {q.messages.map((m) => (
              <tr key={m.messageId} data-message-id={m.messageId}>
                <td class="small">{m.messageId}</td>
                <td><Time iso={m.sentAt} /></td>
                <td class="num">{m.receiveCount ?? '–'}</td>
                <td class="small">{m.group === undefined ? null : m.group.startsWith('ord_') ? <a href={`#/orders/${encodeURIComponent(m.group)}`}>{m.group}</a> : m.group}{m.type === undefined ? null : <div class="muted">{m.type}</div>}</td>
                <td class="small">{m.reason ?? <span class="muted">moved after its receives ran out</span>}</td>
                <td>
                  <ConfirmButton name="replay-one" label="replay" question="Send it back to its queue?" run={async () => { const r = await replay(q.source, [m.messageId]); props.onDone(); return r; }} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function DeadLettersPage() {
  const list = usePoll(() => getJson('/ops/dead-letters', DeadLetterList), []);
  const sources = [...new Set((list.data ?? []).map((q) => q.source))];
  return (
    <Section title="Dead letters" right={<span class="muted">{list.loading ? 'loading…' : 'live'}</span>}>
      <p class="muted small">Messages that could not be processed. Fix the cause (supplier payload, storefront settings), then replay them to their queue.</p>
      {list.error === undefined ? null : <ErrorBox error={list.error} />}
      <p class="action-bar">
        {sources.map((source) => {
          const waiting = (list.data ?? []).filter((q) => q.source === source).reduce((n, q) => n + q.approximateCount, 0);
          return waiting === 0 ? null : (
            <ConfirmButton key={source} name={`replay-all-${source}`} label={`replay all ${source} (${waiting})`} question={`Replay every ${source} dead letter (up to 100)?`} run={async () => { const r = await replay(source); list.reload(); return r; }} />
          );
        })}
      </p>
      {(list.data ?? []).map((q) => <Queue key={`${q.source}|${q.name}`} queue={q} onDone={list.reload} />)}
    </Section>
  );
}
