/** Small shared pieces: money, status badges, times, errors, and the polling hook of the live pages. */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, currentConfig } from '../api';
import { formatMoney } from '../money';

export function Money(props: { amount: string; currency: string }) {
  return <span class="money">{formatMoney(props.amount, props.currency)}</span>;
}

const TONE: Record<string, string> = {
  DELIVERED: 'ok', SHIPPED: 'ok', IN_FULFILLMENT: 'busy', ACCEPTED: 'busy', RECEIVED: 'busy', VALIDATED: 'busy',
  ON_HOLD: 'warn', RESERVED: 'busy', PARTIALLY_SHIPPED: 'busy', PAUSED: 'warn', CANCELLED: 'bad', REJECTED: 'bad', FAILED: 'bad', TIMED_OUT: 'bad', ABORTED: 'bad', RUNNING: 'busy', SUCCEEDED: 'ok',
  DEAD_LETTERED: 'bad', SEQUENCED: 'busy', REQUESTED: 'warn', AUTHORIZED: 'busy', IN_TRANSIT: 'busy', REFUND_REQUESTED: 'busy', CLOSED: 'ok',
};

export function Status(props: { value: string }) {
  return <span class={`status ${TONE[props.value] ?? ''}`}>{props.value}</span>;
}

export function Time(props: { iso: string | null | undefined }) {
  if (props.iso === null || props.iso === undefined || props.iso === '') return <span class="muted">–</span>;
  const d = new Date(props.iso);
  return <time dateTime={props.iso} title={props.iso}>{Number.isNaN(d.getTime()) ? props.iso : d.toLocaleString('en-GB', { dateStyle: 'short', timeStyle: 'medium' })}</time>;
}

export function ErrorBox(props: { error: unknown }) {
  const e = props.error;
  const text = e instanceof ApiError ? `${e.code} (HTTP ${e.status}): ${e.message}` : e instanceof Error ? e.message : String(e);
  return <p class="error" role="alert">{text}</p>;
}

export function Section(props: { title: string; children: ComponentChildren; right?: ComponentChildren }) {
  return (
    <section>
      <h2>
        {props.title}
        {props.right === undefined ? null : <span class="right">{props.right}</span>}
      </h2>
      {props.children}
    </section>
  );
}

export interface Polled<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  readonly reload: () => void;
}

/** Loads now and every refreshMs while `live` (a page in view); the last good data stays on an error. */
export function usePoll<T>(load: () => Promise<T>, deps: readonly unknown[], live = true): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  const run = useCallback(() => {
    const mine = ++seq.current;
    load().then(
      (d) => mine === seq.current && (setData(d), setError(undefined), setLoading(false)),
      (e: unknown) => mine === seq.current && (setError(e), setLoading(false)),
    );
  }, deps);
  // Other data (deps changed): drop what was shown. Going live again (after an action) keeps it: no flash, no lost row state.
  useEffect(() => {
    setData(undefined);
    setLoading(true);
  }, [run]);
  useEffect(() => {
    run();
    if (!live) return undefined;
    const timer = setInterval(run, currentConfig().refreshMs);
    return () => clearInterval(timer);
  }, [run, live]);
  return { data, error, loading, reload: run };
}
