import type { Config } from '../config';
import type { RefundPolicy, RefundPolicyInput } from '../refunds/policy';

/** What the worker decides for every refund it runs, from its own configuration. */
export interface RefundPolicySettings {
  readonly approvals: Config['approvals'];
  /** REFUND_TIME_SCALE: other than 1 only in development and test (the configuration refuses it in production). */
  readonly timeScale: number;
  /** REFUND_SUBMIT_IN_TASK. */
  readonly submitInTask: boolean;
}

export function refundPolicySettings(
  config: Pick<Config, 'approvals' | 'timeScale' | 'submitInTask'>
): RefundPolicySettings {
  return { approvals: config.approvals, timeScale: config.timeScale, submitInTask: config.submitInTask };
}

const DEFAULT_APPROVAL_DEADLINE_MS = 24 * 3_600_000;

/**
 * A local activity, so the policy is read from the worker's configuration once, at the refund's
 * start, and recorded in its history: a deploy with other thresholds never changes a running
 * refund, and nobody who merely starts refunds can choose them.
 */
export function createRefundPolicyActivities(settings: RefundPolicySettings) {
  return {
    // A time scale a starter asked for (`requestedTimeScale`, in refunds started before it became a
    // worker setting) is not honoured: the worker's own is the only one.
    async refundPolicy(input: RefundPolicyInput): Promise<RefundPolicy> {
      return {
        approvalThresholdMinor: settings.approvals.thresholds[input.currency] ?? null,
        approvalDeadlineMs: settings.approvals.deadlineMs ?? DEFAULT_APPROVAL_DEADLINE_MS,
        timeScale: settings.timeScale,
        submitInTask: settings.submitInTask,
        note: null,
      };
    },
  };
}
