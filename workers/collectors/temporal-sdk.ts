import type { MetricsExporterConfig } from '@temporalio/worker';
import { freePort } from '../../lib/devstack/ports';
import type { Logger } from '../../lib/logger';

/** The Temporal SDK's metrics, as {@link temporalSdkMetrics} sets them up. */
export interface TemporalSdkMetrics {
  /** `telemetryOptions.metrics` of `Runtime.install`. */
  readonly exporter: MetricsExporterConfig;
  /** Where the SDK's own exporter serves its text (loopback only). */
  readonly url: string;
  /** The SDK's exposition text; '' when it cannot be read (the scrape goes on without it). */
  scrape(): Promise<string>;
}

/**
 * The Temporal SDK (Core) exports its metrics — `temporal_*`: pollers, task slots, schedule-to-
 * start and execution latencies, request failures (heartbeats among them) — through its own
 * Prometheus server. It listens on loopback only, on `port` (0: a free one picked now), and
 * the worker's `/metrics` appends its text, so one scrape gets both. Counters get `_total` and
 * durations are in seconds with a `_seconds` suffix, as Prometheus names them.
 */
export async function temporalSdkMetrics(opts: {
  readonly port: number;
  readonly service: string;
  readonly logger: Logger;
  /** @defaultValue 2000 */
  readonly timeoutMs?: number;
}): Promise<TemporalSdkMetrics> {
  const port = opts.port || (await freePort('127.0.0.1'));
  const url = `http://127.0.0.1:${port}/metrics`;
  const timeoutMs = opts.timeoutMs ?? 2000;
  let failing = false;
  return {
    url,
    exporter: {
      prometheus: {
        bindAddress: `127.0.0.1:${port}`,
        countersTotalSuffix: true,
        unitSuffix: true,
        useSecondsForDurations: true,
      },
      // The same `service` label as every other series of the process.
      attachServiceName: false,
      globalTags: { service: opts.service },
    },
    async scrape() {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        failing = false;
        return await res.text();
      } catch (err) {
        // Logged once per outage, not once per scrape.
        if (!failing) opts.logger.warn({ err, url }, 'Temporal SDK metrics not readable');
        failing = true;
        return '';
      }
    },
  };
}
