import { z } from 'zod';
import { derived, int, port, section, setting, text } from './setting';

/** The Temporal server and where the work is queued. */
export const temporal = section('Temporal', {
  address: setting(
    'TEMPORAL_ADDRESS',
    z
      .string()
      .regex(/^[^:\s]+:\d+$/, 'must be host:port')
      .default('127.0.0.1:7233'),
    'Temporal frontend, `host:port`',
  ),
  namespace: setting('TEMPORAL_NAMESPACE', text('default'), 'Temporal namespace'),
  taskQueue: setting(
    'TEMPORAL_TASK_QUEUE',
    text('fin-line'),
    'task queue of every workflow and activity',
  ),
  uiPort: setting(
    'TEMPORAL_UI_PORT',
    port(8233),
    'Web UI port of the dev server `npm start` starts, and of the UI server of `npm run start:cluster`',
  ),
  historyShards: setting(
    'TEMPORAL_HISTORY_SHARDS',
    int(4, 1, 16_384),
    'history shards of the Temporal server `npm run start:cluster` creates; fixed once its database exists (a new value needs a new data folder)',
  ),
  uiUrl: derived(
    'TEMPORAL_UI_URL',
    z.url({ protocol: /^https?$/ }).optional(),
    'base URL of the Temporal Web UI, for the links the console and `npm start` show',
    {
      doc: '`http://<TEMPORAL_ADDRESS host>:${TEMPORAL_UI_PORT}`',
      of: (env) =>
        `http://${String(env.TEMPORAL_ADDRESS).split(':')[0]}:${String(env.TEMPORAL_UI_PORT)}`,
    },
  ),
});
