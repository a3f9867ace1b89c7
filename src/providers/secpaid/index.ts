import { defineProvider } from '../definition';

import { secpaidProfile } from './profile';
import { secpaidRefundRequestSchema } from './request';

/** Secpaid, workflow-safe: its request and its lifecycle profile (the Node part: `adapter.ts`). */
export const secpaid = defineProvider({
  name: 'secpaid',
  requestSchema: secpaidRefundRequestSchema,
  profile: secpaidProfile,
});
