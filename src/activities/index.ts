import type { Client } from '@temporalio/client';

import type { Config, ProvidersConfig } from '../config';
import type { Logger } from '../logger';
import { createGetpaidActivities } from '../providers/getpaid/activities';
import { createOpenpaydActivities } from '../providers/openpayd/activities';
import { createPaymentoptionsActivities } from '../providers/paymentoptions/activities';
import { createSandpayActivities } from '../providers/sandpay/activities';
import { createSecpaidActivities } from '../providers/secpaid/activities';
import type { PollInput, PollOutcome, SubmitInput, SubmitOutcome } from '../refunds/provider-outcome';
import type { ProviderName } from '../refunds/request';

import { createCallbackActivities } from './completion-callback';
import { createPaymentGuardActivities } from './payment-guard';
import { createRefundPolicyActivities } from './refund-policy';
import type { RefundPolicySettings } from './refund-policy';

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
}

/** What every provider folder must provide: `<provider>SubmitRefund` and `<provider>PollRefund`. */
export type ProviderActivities = {
  [P in ProviderName as `${P}SubmitRefund`]: (input: SubmitInput<P>) => Promise<SubmitOutcome>;
} & {
  [P in ProviderName as `${P}PollRefund`]: (input: PollInput<P>) => Promise<PollOutcome>;
};

/**
 * The activities of the `refunds` task queue, built from the worker's dependencies (provider base
 * URLs and credentials, the logger), so tests swap the sandbox URL, not the code.
 */
export function createActivities(deps: ActivityDeps) {
  const { providers, logger } = deps;
  return {
    ...createPaymentGuardActivities({ client: deps.client, quietWindowMs: deps.paymentGuard?.quietWindowMs }),
    ...createRefundPolicyActivities(deps.policy),
    ...createCallbackActivities({ ...deps.callbacks, logger }),
    ...createSandpayActivities({ settings: providers.sandpay, logger }),
    ...createPaymentoptionsActivities({ settings: providers.paymentoptions, logger }),
    ...createOpenpaydActivities({ settings: providers.openpayd, logger }),
    ...createGetpaidActivities({ settings: providers.getpaid, logger }),
  };
}

/** SecPaid's activities: on their own task queue, whose rate limit holds across every worker. */
export function createSecpaidQueueActivities(deps: ActivityDeps) {
  return createSecpaidActivities({ settings: deps.providers.secpaid, logger: deps.logger });
}

export type Activities = ReturnType<typeof createActivities> & ReturnType<typeof createSecpaidQueueActivities>;

// Fails to compile when a provider lacks one of its activities or gives it the wrong shape.
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const everyProviderHasItsActivities: Exactly<
  Pick<Activities, keyof ProviderActivities>,
  ProviderActivities
> = true;
