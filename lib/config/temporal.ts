import { z } from 'zod';
import { port, section, setting, text } from './setting';

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
    'Web UI port of the dev server `npm start` starts',
  ),
});
