import { UsageError } from './usage';

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 } as const;
/** Ten years: anything longer is a typo, and a date before the epoch is no use to a query. */
const MAX_MS = 3650 * UNIT_MS.d;

/** `3d`, `12h`, `30m`, `45s` → milliseconds; anything else is a usage error naming `flag`. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d{1,9})([dhms])$/.exec(text.trim());
  const count = match ? Number(match[1]) : 0;
  const ms = match ? count * UNIT_MS[match[2] as keyof typeof UNIT_MS] : 0;
  if (!match || count === 0 || ms > MAX_MS) {
    throw new UsageError(
      `${flag} takes a duration such as 3d, 12h, 30m or 45s (a whole number of days, hours, minutes or seconds, at most 3650d), not ${JSON.stringify(text)}`
    );
  }
  return ms;
}

/** `--stuck <duration>`: the instant a refund still running must have started before, computed at the call. */
export function stuckSince(duration: string, now: Date = new Date()): string {
  return new Date(now.getTime() - parseDuration(duration, '--stuck')).toISOString();
}
