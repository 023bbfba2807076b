// Dates and durations as the pages show them.

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function when(iso: string | null | undefined): string {
  if (!iso) return 'Permanent';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

/** `PT8H` → `8 hours`, `P30D` → `30 days`, `PT30M` → `30 minutes`; others as written. */
export function duration(iso: string | null | undefined): string {
  if (!iso) return '—';
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+)M)?)?$/.exec(iso);
  if (!m) return iso;
  const parts: string[] = [];
  const unit = (n: string | undefined, word: string) => {
    if (n && Number(n) !== 0) parts.push(`${Number(n)} ${word}${Number(n) === 1 ? '' : 's'}`);
  };
  unit(m[1], 'day');
  unit(m[2], 'hour');
  unit(m[3], 'minute');
  return parts.join(' ') || '0 minutes';
}

/** The hours an ISO duration lasts (days count 24 h). */
export function hoursOf(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(iso);
  if (!m) return null;
  return Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0) + Number(m[3] ?? 0) / 60 + Number(m[4] ?? 0) / 3600;
}

/** A `datetime-local` input's value as an ISO instant (UTC). */
export function fromLocal(value: string): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** An instant as a `datetime-local` input's value, in local time. */
export function toLocal(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export const scopeName = (scope: string | undefined) => (!scope || scope === '/' ? 'Directory' : scope);

/** A schedule's or an instance's window: instances carry it flat, schedules in `scheduleInfo`. */
export function windowOf(s: { startDateTime?: string; endDateTime?: string | null; scheduleInfo?: { startDateTime?: string; expiration?: { endDateTime?: string | null } } }) {
  return {
    start: s.startDateTime ?? s.scheduleInfo?.startDateTime ?? null,
    end: s.endDateTime ?? s.scheduleInfo?.expiration?.endDateTime ?? null,
  };
}

/** Whether a schedule or instance has ended. */
export const hasEnded = (s: Parameters<typeof windowOf>[0], now = Date.now()) => {
  const { end } = windowOf(s);
  return Boolean(end) && Date.parse(end as string) <= now;
};
