// When something was saved, as a reader says it: "at 10:15:49" today, with the date on other days.
// The machine-readable ISO stamp stays in the <time> element's datetime attribute.
export function savedAtLabel(iso: string, now: Date = new Date()): string {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return iso;
  const time = when.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  if (when.toDateString() === now.toDateString()) return `at ${time}`;
  const date = when.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
  return `on ${date} at ${time}`;
}
