import { defineProvider } from '../definition';

import { secpaidProfile } from './profile';

/**
 * Secpaid, workflow-safe: its lifecycle profile (its request schema: `request.ts`, listed in
 * `../requests.ts`; the Node part: `adapter.ts`).
 */
export const secpaid = defineProvider({
  name: 'secpaid',
  profile: secpaidProfile,
});
