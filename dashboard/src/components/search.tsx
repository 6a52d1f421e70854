/**
 * A filter form over a cursor-paged ops list (the orders and returns pages): the filters being typed, the ones
 * searched, the cursors of the pages after the first, the live list, and the form and pager that drive them.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type * as z from 'zod';
import { getJson, queryString } from '../api';
import { usePoll, type Polled } from './ui';

export type Filters = Record<string, string>;

export interface PagedSearch<F extends Filters, L> {
  readonly draft: F;
  readonly setDraft: (next: F) => void;
  readonly list: Polled<L>;
  readonly search: () => void;
  readonly clear: () => void;
  readonly newer: (() => void) | undefined;
  readonly older: (() => void) | undefined;
}

export function usePagedSearch<F extends Filters, S extends z.ZodType<{ nextCursor?: string | undefined }>>(path: string, empty: F, schema: S): PagedSearch<F, z.output<S>> {
  const [draft, setDraft] = useState<F>(empty);
  const [filters, setFilters] = useState<F>(empty);
  const [pages, setPages] = useState<string[]>([]); // cursors of the pages after the first
  const cursor = pages.at(-1);
  const list = usePoll(() => getJson(`${path}${queryString({ ...filters, limit: 25, cursor })}`, schema), [JSON.stringify(filters), cursor]);
  const next = list.data?.nextCursor;
  return {
    draft,
    setDraft,
    list,
    search: () => (setPages([]), setFilters(draft)),
    clear: () => (setDraft(empty), setFilters(empty), setPages([])),
    newer: pages.length > 0 ? () => setPages(pages.slice(0, -1)) : undefined,
    older: next === undefined ? undefined : () => setPages([...pages, next]),
  };
}

/** The form: its fields, then Search and Clear. */
export function SearchForm<F extends Filters, L>(props: { search: PagedSearch<F, L>; children: ComponentChildren }) {
  return (
    <form
      class="filters"
      onSubmit={(e) => {
        e.preventDefault();
        props.search.search();
      }}
    >
      {props.children}
      <button type="submit">Search</button>
      <button type="button" onClick={props.search.clear}>Clear</button>
    </form>
  );
}

/** A text field of the form. */
export function TextFilter<F extends Filters, L>(props: { search: PagedSearch<F, L>; name: keyof F & string; label: string }) {
  const { draft, setDraft } = props.search;
  return (
    <label>
      {props.label}
      <input name={props.name} type="text" value={draft[props.name]} onInput={(e) => setDraft({ ...draft, [props.name]: (e.currentTarget as HTMLInputElement).value })} />
    </label>
  );
}

/** The status select of the form ('' = any). */
export function StatusFilter<F extends Filters & { status: string }, L>(props: { search: PagedSearch<F, L>; statuses: readonly string[]; label?: (status: string) => string }) {
  const { draft, setDraft } = props.search;
  return (
    <label>
      Status
      <select name="status" value={draft.status} onChange={(e) => setDraft({ ...draft, status: (e.currentTarget as HTMLSelectElement).value })}>
        {props.statuses.map((s) => <option value={s}>{s === '' ? 'any' : (props.label?.(s) ?? s)}</option>)}
      </select>
    </label>
  );
}

/** Newer / Older under the list. */
export function Pager<F extends Filters, L>(props: { search: PagedSearch<F, L> }) {
  const { newer, older } = props.search;
  return (
    <p class="pager">
      {newer === undefined ? null : <button onClick={newer}>Newer</button>}
      {older === undefined ? null : <button onClick={older}>Older</button>}
    </p>
  );
}
