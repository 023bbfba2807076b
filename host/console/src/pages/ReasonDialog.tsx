// A dialog that asks for a justification (and, where it applies, a new end) before an action.

import { useState } from 'preact/hooks';

import { Dialog } from '../ui';

export function ReasonDialog({ title, action, withEnd, onSend, onClose }: {
  title: string;
  action: string;
  withEnd?: boolean;
  onSend: (reason: string, end: string | null) => Promise<void>;
  onClose: () => void;
}) {
  const [reason, setReason] = useState('');
  const [end, setEnd] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <Dialog title={title} onClose={onClose}>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          try {
            await onSend(reason, end ? new Date(end).toISOString().replace(/\.\d{3}Z$/, 'Z') : null);
            onClose();
          } catch (err) {
            setProblem(err instanceof Error ? err.message : String(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <label for="reason">Justification</label>
        <textarea id="reason" rows={3} value={reason} onInput={(e) => setReason(e.currentTarget.value)} required />
        {withEnd && (
          <>
            <label for="reason-end">New end (optional: as long again as the period ending)</label>
            <input id="reason-end" type="datetime-local" value={end} onInput={(e) => setEnd(e.currentTarget.value)} />
          </>
        )}
        {problem && <p class="error" role="alert">{problem}</p>}
        <div class="actions">
          <button type="submit" disabled={busy}>{action}</button>
          <button type="button" class="secondary" onClick={onClose}>Cancel</button>
        </div>
      </form>
    </Dialog>
  );
}
