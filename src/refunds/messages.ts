import * as wf from '@temporalio/workflow';

import type { RefundState } from './state';

/**
 * Messages a refund workflow answers, declared once and imported by the workflow and its callers.
 * The wire names are CONTRACT.md's.
 */

/** The whole refund state as JSON. */
export const stateQuery = wf.defineQuery<RefundState>('state');

/** Who acts on a refund, and why: the payload of `approve`, `cancel` and `escalate`. */
export interface OperatorAction {
  readonly reason: string;
  readonly by: string;
}

/** The operator's final word on a refund that needs attention. */
export interface ResolveAction extends OperatorAction {
  readonly outcome: 'SUCCEEDED' | 'FAILED';
}

/** Sets the final outcome of a refund that needs attention; ignored (and recorded) otherwise. */
export const resolveSignal = wf.defineSignal<[ResolveAction]>('resolve');
