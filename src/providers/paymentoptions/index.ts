import { defineProvider } from '../definition';

import { paymentoptionsProfile } from './profile';
import { paymentoptionsRefundRequestSchema } from './request';

/** Paymentoptions, workflow-safe: its request and its lifecycle profile (the Node part: `adapter.ts`). */
export const paymentoptions = defineProvider({
  name: 'paymentoptions',
  requestSchema: paymentoptionsRefundRequestSchema,
  profile: paymentoptionsProfile,
});
