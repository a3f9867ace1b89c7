import currencyCodes from 'currency-codes';

/**
 * Minor units to and from the decimal text of major units, by string arithmetic only (no float
 * ever touches an amount). Plain functions and ISO 4217's digits, nothing else: workflow code
 * imports this module, and every module it imports is evaluated again for each workflow in the
 * worker's cache (the zod schemas of ./money.ts multiplied worker memory five times).
 */

/** The number of minor-unit digits ISO 4217 gives a currency (EUR 2, JPY 0, BHD 3). */
export function minorUnitDigits(currency: string): number | undefined {
  return currencyCodes.code(currency)?.digits;
}

/**
 * Minor units as a decimal string in major units, by string arithmetic only: 4999 EUR → "49.99",
 * 5 EUR → "0.05", 5000 XOF → "5000".
 */
export function toMajorUnitString(money: { readonly amountMinor: number; readonly currency: string }): string {
  const digits = minorUnitDigits(money.currency);
  if (digits === undefined) throw new Error(`Unknown currency ${money.currency}`);
  if (!Number.isSafeInteger(money.amountMinor) || money.amountMinor < 0) {
    throw new Error(`amountMinor must be a non-negative safe integer, got ${money.amountMinor}`);
  }
  return shiftPoint(String(money.amountMinor), digits);
}

/** Decimal digits of a count of minor units with the point moved `digits` places left ("5", 2 → "0.05"). */
function shiftPoint(magnitude: string, digits: number): string {
  if (digits === 0) return magnitude;
  const padded = magnitude.padStart(digits + 1, '0');
  return `${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
}

/**
 * An amount as people read it: major units with the currency's own ISO 4217 digits, then the code.
 * 4999 EUR → "49.99 EUR", 5000 JPY → "5000 JPY", 1500 XOF → "1500 XOF", 1 BHD → "0.001 BHD",
 * -5 EUR → "-0.05 EUR". Exact: the digits are moved as text, no float ever touches them.
 *
 * For display only (CLI, Temporal UI summaries, reasons): it never throws, because a workflow
 * writes these texts and a throw there would fail its task. An amount it cannot place exactly
 * (an unknown currency, not a safe integer) is shown as it is, labelled minor units.
 */
export function formatMoney(amountMinor: number, currency: string): string {
  // Workflow code calls it on a request's fields: whatever they hold, it answers (never throws).
  const digits = typeof currency === 'string' ? minorUnitDigits(currency) : undefined;
  if (digits === undefined || !Number.isSafeInteger(amountMinor)) {
    return `${String(amountMinor)} ${String(currency)} (minor units)`;
  }
  // A safe integer's String() is plain digits with an optional minus (no exponent); -0 gives "0".
  const text = String(amountMinor);
  const negative = text.startsWith('-');
  return `${negative ? '-' : ''}${shiftPoint(negative ? text.slice(1) : text, digits)} ${currency}`;
}

/**
 * A provider's exact decimal string in major units ("49.99") → minor units, or undefined when it
 * is not an exact amount of the currency (string arithmetic: no float ever touches it).
 */
export function fromMajorUnitString(value: string, currency: string): number | undefined {
  const digits = minorUnitDigits(currency);
  const match = /^(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (digits === undefined || !match?.[1]) return undefined;
  const fraction = match[2] ?? '';
  if (fraction.length > digits) return undefined;
  const minor = Number(match[1] + fraction.padEnd(digits, '0'));
  return Number.isSafeInteger(minor) ? minor : undefined;
}
