import { proxyActivities } from '@temporalio/workflow';

import type { bareActivities } from './activities';

const { noop } = proxyActivities<typeof bareActivities>({ startToCloseTimeout: '10 seconds' });

/** The engine's own ceiling: one workflow, one no-op activity, nothing else. */
export async function bare(): Promise<string> {
  await noop();
  return 'done';
}
