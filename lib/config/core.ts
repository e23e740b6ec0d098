import { z } from 'zod';
import { section, setting, text } from './setting';

/** Process-wide settings: the fields at the top of `Config`. */
export const core = section('Core', {
  env: setting(
    'NODE_ENV',
    z.enum(['development', 'production', 'test']).default('development'),
    '`development` (GraphiQL, error details, API dev mode by default), `production`, `test`',
  ),
  logLevel: setting(
    'LOG_LEVEL',
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    'pino log level',
  ),
  dataDir: setting(
    'DATA_DIR',
    text('data'),
    'local state: Temporal SQLite, Redis AOF, PostgreSQL, logs, archive',
  ),
  sectorsFile: setting(
    'REFERENCE_SECTORS_FILE',
    text('reference/sectors.json'),
    'ticker → sector reference data (see `reference/README.md`)',
  ),
});
