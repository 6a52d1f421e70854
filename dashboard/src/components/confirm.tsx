/** A button that asks before it acts (inline: no browser dialog), then shows what happened or the error. */
import { useState } from 'preact/hooks';
import { ErrorBox } from './ui';

/** `onDone`: the caller shows the outcome (e.g. one that outlives this button) instead of the button. */
export function ConfirmButton(props: { label: string; question: string; run: () => Promise<string>; name: string; class?: string; onDone?: (outcome: string) => void }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const go = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const outcome = await props.run();
      setAsking(false);
      if (props.onDone === undefined) setDone(outcome);
      else props.onDone(outcome);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="confirm">
      {asking ? (
        <span class="ask" role="group">
          <span>{props.question}</span>{' '}
          <button class={`act ${props.class ?? ''}`} data-confirm={props.name} disabled={busy} onClick={() => void go()}>{busy ? '…' : 'confirm'}</button>{' '}
          <button data-cancel={props.name} disabled={busy} onClick={() => setAsking(false)}>cancel</button>
        </span>
      ) : (
        <button class={`act ${props.class ?? ''}`} data-action={props.name} onClick={() => (setDone(undefined), setAsking(true))}>{props.label}</button>
      )}
      {done === undefined ? null : <span class="muted small"> {done}</span>}
      {error === undefined ? null : <ErrorBox error={error} />}
    </span>
  );
}
