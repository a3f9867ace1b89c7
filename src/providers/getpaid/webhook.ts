import { z } from 'zod';

import { defineWebhook } from '../adapter';

import { refundIdOfGetpaidReference } from './reference';

/** GetPaid's refund webhook envelope (legacy API); only what routing the event needs is checked. */
const getpaidEvent = z.object({
  id: z.string().regex(/^evt_[A-Za-z0-9]+$/),
  type: z.string().min(1).max(100),
  data: z
    .object({
      refund_id: z.string().regex(/^rfd_[A-Za-z0-9]+$/),
      reference: z.string().max(100).nullable().optional(),
    })
    .loose(),
});

/** A GetPaid event belongs to the refund its `reference` names (src/providers/getpaid/reference.ts). */
export const getpaidWebhook = defineWebhook({
  summary: "GetPaid's refund webhook (secret token in the URL)",
  body: getpaidEvent,
  route: (event) => {
    const refundId = event.data.reference ? refundIdOfGetpaidReference(event.data.reference) : undefined;
    if (refundId === undefined) return undefined;
    return { refundId, event: { eventId: event.id, type: event.type, providerRefundId: event.data.refund_id } };
  },
});
