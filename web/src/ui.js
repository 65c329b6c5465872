// Small building blocks the pages share: loading state, errors, paging, tables, times.
import { html } from 'htm/preact';
import { useEffect, useState, useCallback } from 'preact/hooks';

// useLoad runs load() when deps change and keeps its result, its error and whether it runs.
export function useLoad(load, deps) {
  const [state, setState] = useState({ loading: true, data: null, error: null });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    load().then(
      (data) => live && setState({ loading: false, data, error: null }),
      (error) => live && setState({ loading: false, data: null, error }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

export function Problem({ error }) {
  if (!error) return null;
  return html`<p class="problem" role="alert">
    ${error.code ? html`<code>${error.code}</code> ` : ''}${error.message}
  </p>`;
}

export function Loading({ when }) {
  return when ? html`<p class="muted" role="status">Loading…</p>` : null;
}

// Paged shows one page of a listing at a time, with buttons to the next and previous pages.
// fetchPage(cursor) returns the API's page; items(page) its rows; render(rows) the table.
export function Paged({ fetchPage, items, render, deps, label }) {
  const [cursors, setCursors] = useState(['']);
  useEffect(() => setCursors(['']), deps);
  const cursor = cursors[cursors.length - 1];
  const page = useLoad(() => fetchPage(cursor), [cursor, ...deps]);
  const rows = page.data ? items(page.data) : [];
  return html`<div class="paged">
    <${Problem} error=${page.error} />
    ${page.data && render(rows, page.reload)}
    <${Loading} when=${page.loading} />
    <div class="pager" role="group" aria-label=${'Pages of ' + label}>
      <button type="button" disabled=${cursors.length < 2} onClick=${() => setCursors(cursors.slice(0, -1))}>
        Previous page
      </button>
      <span class="muted">Page ${cursors.length}${rows.length ? ` · ${rows.length} shown` : ''}</span>
      <button type="button" disabled=${!(page.data && page.data.has_more)}
        onClick=${() => setCursors([...cursors, page.data.next_cursor])}>Next page</button>
    </div>
  </div>`;
}

export function fmtTime(t) {
  if (!t) return '';
  const d = new Date(t);
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

// timeLeft says how long until t: "4m 10s", or "overdue".
export function timeLeft(t, now) {
  if (!t) return 'never expires';
  let s = Math.round((new Date(t).getTime() - now) / 1000);
  if (s <= 0) return 'overdue';
  const parts = [];
  for (const [n, u] of [[86400, 'd'], [3600, 'h'], [60, 'm'], [1, 's']]) {
    if (s >= n || (u === 's' && parts.length === 0)) {
      parts.push(Math.floor(s / n) + u);
      s %= n;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

export const link = (kind, id) => '#/' + kind + '/' + encodeURIComponent(id);

export function AccountLink({ id }) {
  return html`<a href=${link('account', id)}>${id}</a>`;
}

export function TransferLink({ id }) {
  return html`<a href=${link('transfer', id)}>${id}</a>`;
}

export function Field({ label, children }) {
  return html`<div class="field"><dt>${label}</dt><dd>${children}</dd></div>`;
}
