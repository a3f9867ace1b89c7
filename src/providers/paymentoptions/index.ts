import { defineProvider } from '../definition';

import { paymentoptionsProfile } from './profile';

/**
 * Paymentoptions, workflow-safe: its lifecycle profile (its request schema: `request.ts`, listed in
 * `../requests.ts`; the Node part: `adapter.ts`).
 */
export const paymentoptions = defineProvider({
  name: 'paymentoptions',
  profile: paymentoptionsProfile,
});
