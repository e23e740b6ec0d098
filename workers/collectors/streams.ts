import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../../lib/logger';
import {
  isNoSuchKey,
  nodesOf,
  parseStreamGroups,
  type Keys,
  type Redis,
  type StreamGroupInfo,
} from '../../lib/redis';
import { sharedSnapshot } from './snapshot';

/** The streams whose length and consumer groups are exported: every partition's, and the audit log. */
export function monitoredStreams(keys: Keys): string[] {
  return [
    ...keys.all.flatMap((pk) => [
      pk.rawEvents,
      pk.normalizedEvents,
      pk.deadLetters,
      pk.anomalies,
      pk.failedBatches,
    ]),
    keys.auditEvents,
  ];
}

/** Options of {@link registerStreamCollector}. */
export interface StreamCollectorOptions {
  readonly redis: Redis;
  readonly keys: Keys;
  readonly logger: Logger;
  /** A read older than this is made again on the next scrape. @defaultValue 1000 */
  readonly maxAgeMs?: number;
  /** A scrape waits this long for Redis, then goes on without these series. @defaultValue 2000 */
  readonly timeoutMs?: number;
}

interface StreamState {
  readonly stream: string;
  readonly length: number;
  readonly groups: readonly StreamGroupInfo[];
}

interface Snapshot {
  readonly streams: readonly StreamState[];
  /** Per Redis node (`host:port`): every master of a cluster. */
  readonly memory: readonly {
    readonly node: string;
    readonly used: number | undefined;
    readonly max: number | undefined;
  }[];
}

/** One field of an INFO reply. */
function infoField(info: string, field: string): number | undefined {
  const m = new RegExp(`^${field}:(\\d+)`, 'm').exec(info);
  return m ? Number(m[1]) : undefined;
}

/**
 * Stream lengths, consumer-group lag and pending entries, and Redis memory, read on scrape: per
 * stream one XLEN and one XINFO GROUPS, plus one INFO memory, sent together (no MULTI or
 * pipeline, so it also works when the streams live on different cluster nodes). Stream labels
 * are the key names without REDIS_KEY_PREFIX.
 */
export function registerStreamCollector(registry: Registry, opts: StreamCollectorOptions): void {
  const { redis, keys } = opts;
  const registers = [registry];
  const errors = collectorErrors(registry);
  const label = (key: string) =>
    key.startsWith(keys.prefix) ? key.slice(keys.prefix.length) : key;

  const snapshot = sharedSnapshot(
    async (): Promise<Snapshot> => {
      const streams = monitoredStreams(keys);
      const [states, info] = await Promise.all([
        Promise.all(
          streams.map(async (stream): Promise<StreamState> => {
            const [length, groups] = await Promise.all([
              redis.xlen(stream),
              redis.xinfo('GROUPS', stream).then(parseStreamGroups, (err: unknown) => {
                // A stream nobody wrote to yet has no groups.
                if (isNoSuchKey(err)) return [];
                throw err;
              }),
            ]);
            return { stream: label(stream), length, groups };
          }),
        ),
        Promise.all(
          nodesOf(redis).map(async (n) => {
            const text = await n.info('memory');
            return {
              node: `${n.options.host ?? '127.0.0.1'}:${n.options.port ?? 6379}`,
              used: infoField(text, 'used_memory'),
              max: infoField(text, 'maxmemory'),
            };
          }),
        ),
      ]);
      return { streams: states, memory: info };
    },
    {
      maxAgeMs: opts.maxAgeMs ?? 1000,
      timeoutMs: opts.timeoutMs ?? 2000,
      onError: (err) => {
        errors.inc({ collector: 'streams' });
        opts.logger.debug({ err }, 'stream metrics not read');
      },
    },
  );

  /** A gauge whose samples are all replaced from the snapshot on each scrape. */
  const gauge = <L extends string>(
    name: string,
    help: string,
    labelNames: L[],
    fill: (g: Gauge<L>, s: Snapshot) => void,
  ) =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers,
      async collect() {
        const s = await snapshot();
        this.reset();
        if (s) fill(this, s);
      },
    });

  gauge('finline_stream_length', 'Entries in a Redis stream (XLEN)', ['stream'], (g, s) => {
    for (const st of s.streams) g.set({ stream: st.stream }, st.length);
  });
  gauge(
    'finline_stream_group_lag',
    'Entries of a stream not yet delivered to a consumer group (XINFO GROUPS lag)',
    ['stream', 'group'],
    (g, s) => {
      for (const st of s.streams) {
        for (const grp of st.groups) {
          if (grp.lag !== null) g.set({ stream: st.stream, group: grp.name }, grp.lag);
        }
      }
    },
  );
  gauge(
    'finline_stream_group_pending',
    'Entries delivered to a consumer group and not yet acknowledged (XINFO GROUPS pending)',
    ['stream', 'group'],
    (g, s) => {
      for (const st of s.streams) {
        for (const grp of st.groups) g.set({ stream: st.stream, group: grp.name }, grp.pending);
      }
    },
  );
  // Labelled by node (each master of a cluster), so that a failed read leaves no sample.
  gauge('finline_redis_memory_used_bytes', 'Redis used_memory (INFO memory)', ['node'], (g, s) => {
    for (const m of s.memory) if (m.used !== undefined) g.set({ node: m.node }, m.used);
  });
  gauge(
    'finline_redis_memory_max_bytes',
    'Redis maxmemory (INFO memory); 0 when no limit is set',
    ['node'],
    (g, s) => {
      for (const m of s.memory) if (m.max !== undefined) g.set({ node: m.node }, m.max);
    },
  );
}

/** `finline_collector_errors_total{collector}`, shared by the worker's collectors. */
export function collectorErrors(registry: Registry): Counter<'collector'> {
  const name = 'finline_collector_errors_total';
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing;
  return new Counter({
    name,
    help: 'Scrape-time reads (Redis, archive) that failed or timed out; their series are left out',
    labelNames: ['collector'],
    registers: [registry],
  });
}
