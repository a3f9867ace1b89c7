import * as wf from '@temporalio/workflow';

import type { RefundInbox } from './inbox';
import type { RefundRecord } from '../refund-record';
import type { refund } from './index';
import type { ContinuedRefund, RefundWorkflowOptions } from './types';
import type { RefundRequest } from '../../providers';

/**
 * A run continues as new once its history is this long, if the server has not suggested it
 * sooner (`continueAsNewSuggested`): well under Temporal's 10,240-event warning and 51,200 limit.
 */
export const MAX_RUN_EVENTS = 5_000;

/**
 * Whether this run should hand over to a new one. Evaluated inside wait conditions, so that a
 * refund waiting for days on a flood of signals still hands over. Behind a patch: histories
 * recorded before it never continued as new and must replay the same commands; once true it stays
 * true for the run.
 */
export function continuationDue(): () => boolean {
  let due = false;
  return () => {
    if (due) return true;
    const info = wf.workflowInfo();
    due =
      (info.continueAsNewSuggested || info.historyLength >= MAX_RUN_EVENTS) && wf.patched('refund-continues-as-new');
    return due;
  };
}

/** Hands the refund to its next run, once every handler has finished (an update's caller gets its answer). */
export async function continueRefund(
  request: RefundRequest,
  options: RefundWorkflowOptions,
  record: RefundRecord,
  inbox: RefundInbox,
  rest: Pick<ContinuedRefund, 'policy' | 'phase'>
): Promise<never> {
  await wf.condition(wf.allHandlersFinished);
  const continued: ContinuedRefund = { record: record.state, inbox: inbox.carried(), ...rest };
  return wf.continueAsNew<typeof refund>(request, { ...options, continued });
}
