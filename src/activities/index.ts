import type { Client } from '@temporalio/client';

import type { Config } from '../config';
import type { Logger } from '../logger';
import type { ProviderActivitiesOf } from '../providers/adapter';
import { profileOf } from '../providers';
import { taskQueueSuffixesOf } from '../refunds/provider-profile';
import { everyAdapter, settingsOf } from '../providers/settings';
import type { ProvidersConfig } from '../providers/settings';

import { createCallbackActivities } from './completion-callback';
import { createPaymentGuardActivities, paymentGuardUpdater } from './payment-guard';
import { createRefundPolicyActivities } from './refund-policy';
import type { RefundPolicySettings } from './refund-policy';
import { createSubmitInTaskActivities } from './submit-in-task';

export interface ActivityDeps {
  readonly providers: ProvidersConfig;
  readonly logger: Logger;
  /** For the per-payment guard's updates. */
  readonly client: Client;
  readonly callbacks: Config['callbacks'];
  /** Approval thresholds and the time-scale rule, from the worker's configuration. */
  readonly policy: RefundPolicySettings;
  /** The payment guards' settings (PAYMENT_GUARD_QUIET_WINDOW_MS); the guard's default when absent. */
  readonly paymentGuard?: Config['paymentGuard'];
  /** Aborted when this worker process begins to shut down (see PaymentGuardDeps.workerStopping). */
  readonly workerStopping?: AbortSignal;
}

/**
 * The activities of the `refunds` task queue, built from the worker's dependencies (provider base
 * URLs and credentials, the logger), so tests swap the sandbox URL, not the code: the refund's own,
 * and those of every provider whose profile names no task queue of its own.
 */
export function createActivities(deps: ActivityDeps) {
  const guard = {
    client: deps.client,
    quietWindowMs: deps.paymentGuard?.quietWindowMs,
    workerStopping: deps.workerStopping,
  };
  const providers = providerActivities(deps, undefined);
  return {
    ...createPaymentGuardActivities(guard),
    ...createSubmitInTaskActivities({ update: paymentGuardUpdater(guard), submits: providers }),
    ...createRefundPolicyActivities(deps.policy),
    ...createCallbackActivities({ ...deps.callbacks, logger: deps.logger }),
    ...providers,
  };
}

/**
 * The activities of the providers whose activities run on `<refunds queue>-<suffix>` (SecPaid's,
 * whose rate limit holds across every worker: its calls', and its reconciler's reads'), or on the
 * refunds queue itself (`undefined`). Each of a provider's own queues serves all its activities.
 */
export function providerActivities(
  deps: Pick<ActivityDeps, 'providers' | 'logger' | 'client'>,
  taskQueueSuffix: string | undefined
): ProviderActivitiesOf<string> {
  const activities: Record<string, ProviderActivitiesOf<string>[keyof ProviderActivitiesOf<string>]> = {};
  for (const adapter of everyAdapter) {
    const queues = taskQueueSuffixesOf(profileOf(adapter.name));
    const settings = settingsOf(deps.providers, adapter.name);
    // The activities of the provider's own workflow, on its queues and the refunds' (SecPaid's
    // reconciler reads pages on SecPaid's reads queue, and tells refunds on the refunds' queue).
    if (taskQueueSuffix === undefined || queues.includes(taskQueueSuffix)) {
      Object.assign(
        activities,
        adapter.ownWorkflow?.activities({ settings, logger: deps.logger, client: deps.client })
      );
    }
    if (taskQueueSuffix === undefined ? queues.length > 0 : !queues.includes(taskQueueSuffix)) continue;
    const own = adapter.activities({ settings, logger: deps.logger }) as Readonly<
      Record<string, (typeof activities)[string] | undefined>
    >;
    for (const kind of ['SubmitRefund', 'PollRefund'] as const) {
      const name = `${adapter.name}${kind}` as const;
      const activity = own[name];
      if (activity === undefined) throw new Error(`provider ${adapter.name} has no ${name} activity`);
      activities[name] = activity;
    }
  }
  return activities as ProviderActivitiesOf<string>;
}

/** The task queue suffixes of the providers whose activities run on a queue of their own. */
export function providerTaskQueueSuffixes(): readonly string[] {
  const suffixes = everyAdapter.flatMap((a) => taskQueueSuffixesOf(profileOf(a.name)));
  return [...new Set(suffixes)];
}
