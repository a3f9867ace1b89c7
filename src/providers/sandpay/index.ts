import { defineProvider } from '../definition';

import { sandpayProfile } from './profile';

/**
 * Sandpay, workflow-safe: its lifecycle profile (its request schema: `request.ts`, listed in
 * `../requests.ts`; the Node part: `adapter.ts`).
 */
export const sandpay = defineProvider({
  name: 'sandpay',
  profile: sandpayProfile,
});
