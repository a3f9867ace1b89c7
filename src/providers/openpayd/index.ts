import { defineProvider } from '../definition';

import { openpaydProfile } from './profile';
import { openpaydRefundRequestSchema } from './request';

/** Openpayd, workflow-safe: its request and its lifecycle profile (the Node part: `adapter.ts`). */
export const openpayd = defineProvider({
  name: 'openpayd',
  requestSchema: openpaydRefundRequestSchema,
  profile: openpaydProfile,
  // An earlier attempt is found by it (src/providers/openpayd/outcome.ts), so one referenceNo is one refund.
  callerReference: (request) =>
    request.referenceNo === undefined ? undefined : { field: 'referenceNo', value: request.referenceNo },
});
