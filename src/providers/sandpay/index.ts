import { defineProvider } from '../definition';

import { sandpayProfile } from './profile';
import { sandpayRefundRequestSchema } from './request';

/** Sandpay, workflow-safe: its request and its lifecycle profile (the Node part: `adapter.ts`). */
export const sandpay = defineProvider({
  name: 'sandpay',
  requestSchema: sandpayRefundRequestSchema,
  profile: sandpayProfile,
});
