import { moneySchema, toMajorUnitString } from '../src/refunds/money';

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
