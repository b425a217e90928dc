// Formatting for people: every time in the operator's own time zone (the browser's), energy in
// kWh, durations in h/min. Intl formatters are built once; they are costly to create.

export const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

const dateTime = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dateOnly = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
const dateMinute = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const shortTime = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayMonth = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const number1 = new Intl.NumberFormat(undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const number2 = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const integer = new Intl.NumberFormat();
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export function fmtDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

export function fmtDate(iso: string | null | undefined): string {
  return iso ? dateOnly.format(new Date(iso)) : '—';
}

/** Today's events by time only, older ones with their date. */
export function fmtWhen(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toDateString() === new Date().toDateString() ? timeOnly.format(d) : dateTime.format(d);
}

/**
 * When something happened, for lists of sessions: always with its day, to the minute. Today and
 * yesterday by name ("today, 02:02 PM"), any other day with its date and year ("Dec 3, 2026,
 * 02:02 PM"). The list shows fmtDateTime (with seconds) as the cell's title.
 */
export function fmtDayTime(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const day = (x: Date) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  const days = Math.round((day(d) - day(now)) / 86_400_000);
  return days === 0 || days === -1 ? `${relative.format(days, 'day')}, ${shortTime.format(d)}` : dateMinute.format(d);
}

export function fmtClock(ms: number): string {
  return shortTime.format(new Date(ms));
}

/** A time with its seconds (a chart's readout, where minutes are too coarse for short sessions). */
export function fmtClockSeconds(ms: number): string {
  return timeOnly.format(new Date(ms));
}

/**
 * A chart's time ticks, as fine as their step needs: seconds below a minute, the day from a day up.
 * When the ticks span more than one day, the first tick, each one on a new day and each whose
 * time recurs also carry their date (drawn under the time), so that no two labels read the same.
 */
export function fmtTicks(ticks: number[], unit: 'second' | 'minute' | 'day'): Array<{ time: string; date: string | null }> {
  const days = ticks.map((t) => new Date(t).toDateString());
  const multiDay = new Set(days).size > 1;
  if (unit === 'day') return ticks.map((t) => ({ time: dayMonth.format(new Date(t)), date: null }));
  const times = ticks.map((t) => (unit === 'second' ? timeOnly : shortTime).format(new Date(t)));
  const repeated = (i: number) => times.indexOf(times[i]) !== times.lastIndexOf(times[i]);
  return ticks.map((t, i) => ({
    time: times[i],
    date: multiDay && (i === 0 || days[i] !== days[i - 1] || repeated(i)) ? dayMonth.format(new Date(t)) : null,
  }));
}

export function fmtAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const s = Math.round((new Date(iso).getTime() - now) / 1000);
  const a = Math.abs(s);
  if (a < 45) return relative.format(s, 'second');
  if (a < 2700) return relative.format(Math.round(s / 60), 'minute');
  if (a < 64800) return relative.format(Math.round(s / 3600), 'hour');
  return relative.format(Math.round(s / 86400), 'day');
}

export function fmtKWh(wh: number | null | undefined): string {
  if (wh === null || wh === undefined) return '—';
  return `${wh < 100_000 ? number2.format(wh / 1000) : number1.format(wh / 1000)} kWh`;
}

export function fmtKW(w: number): string {
  return `${number2.format(w / 1000)} kW`;
}

export function fmtInt(n: number): string {
  return integer.format(n);
}

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${number1.format(n / 1024)} KB`;
  return `${number1.format(n / 1024 / 1024)} MB`;
}

export function fmtDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (h) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m) return `${m} min`;
  return `${Math.max(0, Math.round(seconds))} s`;
}

/** A short span to the millisecond ("23 ms", "0.8 s"), for what fmtDuration would call "0 s". */
export function fmtSpan(ms: number): string {
  const v = Math.max(0, Math.round(ms));
  return v < 1000 ? `${v} ms` : `${number1.format(v / 1000)} s`;
}

/** A date input's value (local calendar day) as the instant its day starts, in ISO. */
export function dayStartIso(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d).toISOString();
}

/** A local calendar day (YYYY-MM-DD) offset from today. */
export function localDay(offsetDays = 0, from = new Date()): string {
  const d = new Date(from.getFullYear(), from.getMonth(), from.getDate() + offsetDays);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** A datetime-local input's value for an instant, in local time. */
export function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** A datetime-local input's value (local time) as an ISO instant, or null when empty. */
export function fromLocalInput(v: string): string | null {
  return v ? new Date(v).toISOString() : null;
}
