import { defineProvider } from '../definition';

import { getpaidProfile } from './profile';
import { getpaidRefundRequestSchema } from './request';

/** Getpaid, workflow-safe: its request and its lifecycle profile (the Node part: `adapter.ts`). */
export const getpaid = defineProvider({
  name: 'getpaid',
  requestSchema: getpaidRefundRequestSchema,
  profile: getpaidProfile,
});
