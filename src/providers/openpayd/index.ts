import { defineProvider } from '../definition';

import { openpaydProfile } from './profile';
import type { OpenpaydRefundRequest } from './request';

/**
 * Openpayd, workflow-safe: its lifecycle profile (its request schema: `request.ts`, listed in
 * `../requests.ts`; the Node part: `adapter.ts`).
 */
export const openpayd = defineProvider<'openpayd', OpenpaydRefundRequest>({
  name: 'openpayd',
  profile: openpaydProfile,
  // An earlier attempt is found by it (src/providers/openpayd/outcome.ts), so one referenceNo is one refund.
  callerReference: (request) =>
    request.referenceNo === undefined ? undefined : { field: 'referenceNo', value: request.referenceNo },
});
