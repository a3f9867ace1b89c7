/** SecPaid's server time, "YYYY-MM-DD HH:mm:ss" in its zone (its envelopes say CEST / CET: Europe/Berlin). */
const berlinClock = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Europe/Berlin',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

export function formatBerlinTime(epochMs: number): string {
  return berlinClock.format(new Date(epochMs));
}

/** SecPaid's "YYYY-MM-DD HH:mm:ss" → epoch milliseconds, or undefined when the text is not such a time. */
export function berlinTimeToEpochMs(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(text.trim());
  if (!match) return undefined;
  const [y, mo, d, h, mi, s] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  if (Number.isNaN(asUtc)) return undefined;
  const wallClock = `${match[1]}-${match[2]}-${match[3]} ${match[4]}:${match[5]}:${match[6]}`;
  // Berlin is UTC+1 or UTC+2: take the offset that zone has at that moment.
  for (const offsetHours of [2, 1]) {
    const candidate = asUtc - offsetHours * 3_600_000;
    if (formatBerlinTime(candidate) === wallClock) return candidate;
  }
  return asUtc - 3_600_000;
}
