import type { Config } from '../config';
import type { Logger } from '../logger';
import { createOpenpaydActivities } from '../providers/openpayd/activities';

export interface ActivityDeps {
  readonly providers: Config['providers'];
  readonly logger: Logger;
}

/**
 * Every activity the refund workflow calls, built from the worker's dependencies (provider base
 * URLs and credentials, the logger), so that tests swap the sandbox URL, not the code. Each
 * provider's activities are named `<provider>SubmitRefund`, … and come from its own folder.
 */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createOpenpaydActivities({ settings: deps.providers.openpayd, logger: deps.logger }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
