import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../support/temporal';

/**
 * Determinism guard: histories recorded from real runs (npm run record-histories) must replay
 * on today's workflow code. A change that alters the commands a workflow issues fails here.
 */
const DIR = join(__dirname, '..', 'fixtures', 'histories');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));

describe('recorded workflow histories replay on the current code', () => {
  it('has fixtures for every workflow type', () => {
    const types = new Set(
      files.map((f) => {
        const h = historyFromJSON(JSON.parse(readFileSync(join(DIR, f), 'utf8')));
        return h.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
      }),
    );
    expect([...types].sort()).toEqual([
      'archiveDay',
      'backtestAnomalies',
      'ingestFeed',
      'pipeline',
      'redriveDeadLetters',
      'replayBatch',
    ]);
  });

  it.each(files)('%s', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(join(DIR, file), 'utf8')));
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, file);
  });
});
