import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';

import { installTemporalRuntime } from '../src/temporal/runtime';

import { historiesDir } from './support/histories';
import { quietLogger } from './support/stack';

// Every version's histories: test/histories/*.json from the current code, and one folder per
// earlier version of the workflow's commands (v1-before-payment-guard/, v2-guard-commit-on-success/,
// v3-client-approval-thresholds/, v4-before-decision-core/, v5-before-reconciler/,
// v6-before-stall-tells-refunds/, v7-before-submit-in-task/: OpenPayd's and PaymentOptions' request
// still an activity of its own), which must still replay.
const files = readdirSync(historiesDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json'));

describe('recorded refund histories replay with the current workflow code', () => {
  beforeAll(() => installTemporalRuntime(quietLogger()));

  it('has recorded histories of every lifecycle path, from the current and earlier versions', () => {
    expect(files.filter((f) => !f.includes('/') && !f.startsWith('guard-')).length).toBeGreaterThanOrEqual(23);
    // Payment guards too: their handlers rebuild the guard's state on replay.
    expect(files.filter((f) => f.startsWith('guard-')).length).toBeGreaterThanOrEqual(2);
    expect(files.filter((f) => f.startsWith('v4-before-decision-core/guard-')).length).toBeGreaterThanOrEqual(2);
    expect(files.filter((f) => f.startsWith('v1-before-payment-guard/')).length).toBeGreaterThanOrEqual(19);
    expect(files.filter((f) => f.startsWith('v2-guard-commit-on-success/')).length).toBeGreaterThanOrEqual(20);
    expect(files.filter((f) => f.startsWith('v3-client-approval-thresholds/')).length).toBeGreaterThanOrEqual(20);
    expect(files.filter((f) => f.startsWith('v4-before-decision-core/')).length).toBeGreaterThanOrEqual(22);
    // SecPaid refunds that read every 4 hours, before the reconciler woke them.
    expect(files.filter((f) => f.startsWith('v5-before-reconciler/secpaid-')).length).toBeGreaterThanOrEqual(3);
    // A reconciler that stalled and told no refund.
    expect(files).toContain('v6-before-stall-tells-refunds/reconciler-stalled-and-back.json');
    expect(files).toContain('reconciler-stalled-and-back.json');
    // Recorded with the `decision-core` patch alone: every provider's request sent by an activity.
    expect(files.filter((f) => f.startsWith('v7-before-submit-in-task/')).length).toBeGreaterThanOrEqual(35);
  });

  it.each(files)('%s', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(path.join(historiesDir, file), 'utf8')));
    await expect(
      Worker.runReplayHistory({ workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE ?? '' } }, history, file)
    ).resolves.toBeUndefined();
  });
});
