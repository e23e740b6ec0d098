import { z } from 'zod';
import { section, setting } from './setting';

/** The Redis every process shares. */
export const redis = section('Redis', {
  url: setting(
    'REDIS_URL',
    z
      .string()
      .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
      .default('redis://127.0.0.1:6379'),
    'Redis URL (`redis://` or `rediss://`)',
  ),
  keyPrefix: setting(
    'REDIS_KEY_PREFIX',
    z.string().default(''),
    'prefix of every key and channel (several deployments or test runs on one Redis)',
  ),
});
