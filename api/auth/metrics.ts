import { Counter, type Registry } from 'prom-client';

/** The auth layer's counters, registered once per registry. */
export interface AuthMetrics {
  /** `finline_api_auth_failures_total{reason}`: reasons are the fixed AuthFailureReason set. */
  readonly failures: Counter<'reason'>;
  /** `finline_api_audit_failures_total`: audit entries that could not be written. */
  readonly auditFailures: Counter;
}

export function createAuthMetrics(registry: Registry): AuthMetrics {
  return {
    failures: counter(
      registry,
      'finline_api_auth_failures_total',
      'Refused credentials, by reason.',
      ['reason'],
    ),
    auditFailures: counter(
      registry,
      'finline_api_audit_failures_total',
      'Audit entries that could not be appended to the audit stream.',
      [],
    ),
  };
}

function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[],
): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) {
    if (!(existing instanceof Counter)) throw new Error(`${name} registered with another type`);
    return existing;
  }
  return new Counter({ name, help, labelNames, registers: [registry] });
}
