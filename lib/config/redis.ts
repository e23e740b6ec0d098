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
  clusterNodes: setting(
    'REDIS_CLUSTER_NODES',
    z
      .string()
      .transform((text) => text.split(',').map((n) => n.trim()))
      .pipe(z.array(z.string().regex(/^[^:\s,]+:\d{1,5}$/, 'must be host:port,host:port,…')).min(1))
      .optional()
      .meta({ allowed: 'host:port,…' }),
    'a Redis Cluster: some of its nodes (the client finds the rest); set, every process uses the cluster and `REDIS_URL` is ignored',
  ),
  keyPrefix: setting(
    'REDIS_KEY_PREFIX',
    z.string().default(''),
    'prefix of every key and channel (several deployments or test runs on one Redis)',
  ),
});
