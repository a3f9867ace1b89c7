import type { Config } from '../config';
import type { RefundPolicy, RefundPolicyInput } from '../refunds/policy';

/** What the worker decides for every refund it runs, from its own configuration. */
export interface RefundPolicySettings {
  readonly approvals: Config['approvals'];
  /** `timeScale` other than 1 is honoured only in development and test. */
  readonly allowTimeScale: boolean;
}

export function refundPolicySettings(config: Pick<Config, 'approvals' | 'env'>): RefundPolicySettings {
  return { approvals: config.approvals, allowTimeScale: config.env !== 'production' };
}

const DEFAULT_APPROVAL_DEADLINE_MS = 24 * 3_600_000;

/**
 * A local activity, so the policy is read from the worker's configuration once, at the refund's
 * start, and recorded in its history: a deploy with other thresholds never changes a running
 * refund, and nobody who merely starts refunds can choose them.
 */
export function createRefundPolicyActivities(settings: RefundPolicySettings) {
  return {
    async refundPolicy(input: RefundPolicyInput): Promise<RefundPolicy> {
      const requested = input.requestedTimeScale;
      const scaled = requested !== 1 && settings.allowTimeScale;
      return {
        approvalThresholdMinor: settings.approvals.thresholds[input.currency] ?? null,
        approvalDeadlineMs: settings.approvals.deadlineMs ?? DEFAULT_APPROVAL_DEADLINE_MS,
        timeScale: scaled ? requested : 1,
        note:
          requested !== 1 && !scaled
            ? `timeScale ${requested} refused: this worker runs in production, where refunds run at scale 1`
            : null,
      };
    },
  };
}
