import { z } from 'zod';

import { minorUnitDigits } from './minor-units';

/**
 * Money inside the orchestrator is an integer count of the currency's minor unit plus its ISO 4217
 * code: 4999 EUR is €49.99, 5000 XOF is 5000 francs (no minor unit). Conversion to a provider's own
 * format happens once, in its adapter.
 */

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
