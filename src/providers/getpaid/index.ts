import { defineProvider } from '../definition';

import { getpaidProfile } from './profile';

/**
 * Getpaid, workflow-safe: its lifecycle profile (its request schema: `request.ts`, listed in
 * `../requests.ts`; the Node part: `adapter.ts`).
 */
export const getpaid = defineProvider({
  name: 'getpaid',
  profile: getpaidProfile,
});
