import currencyCodes from 'currency-codes';
import { z } from 'zod';

/**
 * Money inside the orchestrator is an integer count of the currency's minor unit plus its ISO 4217
 * code: 4999 EUR is €49.99, 5000 XOF is 5000 francs (no minor unit). Conversion to a provider's own
 * format happens once, in its adapter.
 */

/** The number of minor-unit digits ISO 4217 gives a currency (EUR 2, JPY 0, BHD 3). */
export function minorUnitDigits(currency: string): number | undefined {
  return currencyCodes.code(currency)?.digits;
}

/**
 * ISO 4217 codes that are not money a payment is taken in: precious metals, units of account,
 * bond-market units, the testing and "no currency" codes, and funds codes (index-linked or
 * settlement units). A refund in one of them is a mistake or an attack, never a refund.
 */
const NOT_MONEY: ReadonlySet<string> = new Set(
  ['XAU XAG XPT XPD', 'XDR XSU XUA XBA XBB XBC XBD', 'XTS XXX', 'CHE CHW BOV CLF COU MXV USN UYI UYW']
    .join(' ')
    .split(' ')
);

export const currencySchema = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be an upper-case ISO 4217 code such as EUR')
  .refine((code) => minorUnitDigits(code) !== undefined, { message: 'is not an ISO 4217 currency' })
  .refine((code) => !NOT_MONEY.has(code), { message: 'is an ISO 4217 code for no money (a metal, unit or test)' });

export const moneySchema = z
  .object({
    /** Integer minor units, > 0. */
    amountMinor: z
      .number({ error: 'must be an integer number of minor units' })
      .int('must be an integer number of minor units (4999 for 49.99)')
      .positive('must be greater than zero')
      .max(Number.MAX_SAFE_INTEGER),
    currency: currencySchema,
  })
  .strict();

export type Money = z.infer<typeof moneySchema>;

/**
 * Minor units as a decimal string in major units, by string arithmetic only: 4999 EUR → "49.99",
 * 5 EUR → "0.05", 5000 XOF → "5000".
 */
export function toMajorUnitString(money: Money): string {
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
