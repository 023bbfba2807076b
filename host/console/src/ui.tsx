// Pieces every page uses: loading data with its error, tables, notices and dialogs.

import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

import { describe } from './api';

/** Loads `fetcher()` now and on `reload()`; its error is kept as text. */
export function useLoad<T>(fetcher: () => Promise<T>, deps: unknown[] = []) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [count, setCount] = useState(0);
  useEffect(() => {
    let live = true;
    fetcher()
      .then((d) => { if (live) { setData(d); setError(null); } })
      .catch((e) => { if (live) setError(describe(e)); });
    return () => { live = false; };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, count]);
  const reload = useCallback(() => setCount((c) => c + 1), []);
  return { data, error, reload };
}

export function Loading({ error, what }: { error: string | null; what: string }) {
  return error
    ? <p class="error" role="alert">Could not load {what}: {error}</p>
    : <p class="loading" role="status">Loading {what}…</p>;
}

/** A result line after an action: success or the server's refusal. */
export type Outcome = { ok: boolean; text: string } | null;

export function OutcomeLine({ outcome, testId }: { outcome: Outcome; testId?: string }) {
  if (!outcome) return null;
  return (
    <p class={outcome.ok ? 'ok' : 'error'} role={outcome.ok ? 'status' : 'alert'} data-testid={testId}>
      {outcome.text}
    </p>
  );
}

/**
 * A table with a caption (read by screen readers) and a message when empty. Each cell is
 * labelled with its column's header (`data-label`), which a phone's layout shows beside it
 * when the rows are stacked.
 */
export function Table({ caption, head, empty, children, id }: {
  caption: string; head: string[]; empty: string; children: ComponentChildren[]; id?: string;
}) {
  const ref = useRef<HTMLTableElement>(null);
  useEffect(() => {
    for (const row of ref.current?.tBodies[0]?.rows ?? []) {
      [...row.cells].forEach((cell, i) => { if (head[i]) cell.dataset.label = head[i]; });
    }
  });
  return (
    <div class="table-wrap">
      <table id={id} ref={ref}>
        <caption>{caption}</caption>
        <thead><tr>{head.map((h) => <th key={h} scope="col">{h}</th>)}</tr></thead>
        <tbody>
          {children.length ? children : <tr><td colSpan={head.length} class="empty">{empty}</td></tr>}
        </tbody>
      </table>
    </div>
  );
}

/** A modal dialog (the native `<dialog>`: focus is trapped and Escape closes it). */
export function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby="dialog-title" onClose={onClose} onCancel={onClose}>
      <div class="dialog-head">
        <h2 id="dialog-title">{title}</h2>
        <button type="button" class="link" aria-label="Close" onClick={onClose}>✕</button>
      </div>
      {children}
    </dialog>
  );
}

export const Tag = ({ children }: { children: ComponentChildren }) => <span class="tag">{children}</span>;
