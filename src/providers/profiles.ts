import type { ProviderName } from '../refunds/request';

import { getpaidProfile } from './getpaid/profile';
import { openpaydProfile } from './openpayd/profile';
import { paymentoptionsProfile } from './paymentoptions/profile';
import type { ProviderProfile } from './profile';
import { sandpayProfile } from './sandpay/profile';
import { secpaidProfile } from './secpaid/profile';

/** Every provider's lifecycle profile, for the workflow (workflow-safe). */
export const providerProfiles: Readonly<Record<ProviderName, ProviderProfile>> = {
  secpaid: secpaidProfile,
  sandpay: sandpayProfile,
  paymentoptions: paymentoptionsProfile,
  openpayd: openpaydProfile,
  getpaid: getpaidProfile,
};
