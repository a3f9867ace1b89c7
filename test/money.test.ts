import { formatMoney, toMajorUnitString } from '../src/refunds/minor-units';
import { moneySchema } from '../src/refunds/money';

describe('money', () => {
  it.each([
    [4999, 'EUR', '49.99'],
    [5, 'EUR', '0.05'],
    [100, 'EUR', '1.00'],
    [5000, 'XOF', '5000'],
    [1000, 'JPY', '1000'],
    [1, 'BHD', '0.001'],
    [Number.MAX_SAFE_INTEGER, 'EUR', '90071992547409.91'],
  ])('%i minor units of %s are %s in major units, exactly', (amountMinor, currency, expected) => {
    expect(toMajorUnitString({ amountMinor, currency })).toBe(expected);
  });

  it.each([
    // The currency's own ISO 4217 digits: 2, 0, 3 and 4.
    [4999, 'EUR', '49.99 EUR'],
    [5, 'EUR', '0.05 EUR'],
    [100, 'EUR', '1.00 EUR'],
    [0, 'EUR', '0.00 EUR'],
    [5000, 'JPY', '5000 JPY'],
    [1500, 'XOF', '1500 XOF'],
    [1, 'BHD', '0.001 BHD'],
    [12345, 'KWD', '12.345 KWD'],
    [1, 'CLF', '0.0001 CLF'],
    [Number.MAX_SAFE_INTEGER, 'EUR', '90071992547409.91 EUR'],
    [Number.MAX_SAFE_INTEGER, 'JPY', '9007199254740991 JPY'],
    // Negative amounts (a correction, a difference): the sign before the major units.
    [-4999, 'EUR', '-49.99 EUR'],
    [-5, 'EUR', '-0.05 EUR'],
    [-1, 'BHD', '-0.001 BHD'],
    [-5000, 'JPY', '-5000 JPY'],
    [-Number.MAX_SAFE_INTEGER, 'EUR', '-90071992547409.91 EUR'],
    [-0, 'EUR', '0.00 EUR'],
  ])('formatMoney(%p, %s) is %s', (amountMinor, currency, expected) => {
    expect(formatMoney(amountMinor, currency)).toBe(expected);
  });

  // A refund started from the Temporal UI skips the client's validation: its currency may be anything.
  it.each([
    [undefined, '100 undefined (minor units)'],
    [null, '100 null (minor units)'],
    [5, '100 5 (minor units)'],
  ])('formatMoney(100, %p) answers %s instead of throwing', (currency, expected) => {
    expect(formatMoney(100, currency as unknown as string)).toBe(expected);
  });

  it.each([
    // What it cannot place exactly it shows as it is, labelled: a display never throws (workflow code writes it).
    [1234, 'ABC', '1234 ABC (minor units)'],
    [10.5, 'EUR', '10.5 EUR (minor units)'],
    [Number.MAX_SAFE_INTEGER + 1, 'EUR', '9007199254740992 EUR (minor units)'],
    [Number.NaN, 'EUR', 'NaN EUR (minor units)'],
  ])('formatMoney(%p, %s) falls back to %s', (amountMinor, currency, expected) => {
    expect(formatMoney(amountMinor, currency)).toBe(expected);
  });

  it.each([
    [{ amountMinor: 10.5, currency: 'EUR' }, 'amountMinor', /integer/],
    [{ amountMinor: 0, currency: 'EUR' }, 'amountMinor', /greater than zero/],
    [{ amountMinor: -100, currency: 'EUR' }, 'amountMinor', /greater than zero/],
    [{ amountMinor: '100', currency: 'EUR' }, 'amountMinor', /integer/],
    [{ amountMinor: 100, currency: 'eur' }, 'currency', /ISO 4217/],
    [{ amountMinor: 100, currency: 'ABC' }, 'currency', /not an ISO 4217 currency/],
    [{ amountMinor: 100, currency: 'FCFA' }, 'currency', /ISO 4217/],
  ])('rejects %j, naming %s', (input, field, message) => {
    const result = moneySchema.safeParse(input);
    expect(result.success).toBe(false);
    const issue = result.error?.issues[0];
    expect(issue?.path).toEqual([field]);
    expect(issue?.message).toMatch(message);
  });
});
