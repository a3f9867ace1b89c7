import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';

import { installTemporalRuntime } from '../src/temporal/runtime';

import { historiesDir } from './support/histories';
import { quietLogger } from './support/stack';

const files = readdirSync(historiesDir).filter((f) => f.endsWith('.json'));

describe('recorded refund histories replay with the current workflow code', () => {
  beforeAll(() => installTemporalRuntime(quietLogger()));

  it('has a recorded history for every lifecycle path', () => {
    expect(files.length).toBeGreaterThanOrEqual(12);
  });

  it.each(files)('%s', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(path.join(historiesDir, file), 'utf8')));
    await expect(
      Worker.runReplayHistory({ workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE ?? '' } }, history, file)
    ).resolves.toBeUndefined();
  });
});
