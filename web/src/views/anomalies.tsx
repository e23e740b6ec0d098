import { useEffect, useRef, useState } from 'preact/hooks';
import { gql } from '../graphql/client';
import { subscribe } from '../graphql/live';
import type { Anomaly } from '../graphql/types';
import { Badge, Panel } from '../components/panel';
import { clock, num } from '../format';
import { useSession } from '../session';

const KEEP = 500;
const TYPES = ['price_jump', 'return_zscore', 'volume_spike', 'crossed_quote', 'stale'] as const;
const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

/**
 * Anomalies newest first: the last page from `anomalies`, then live from `anomalyDetected`
 * after the newest one (no gap, no repeat), filtered here by ticker, type and severity.
 */
export function AnomaliesView() {
  const { settings } = useSession();
  const [list, setList] = useState<Anomaly[]>([]);
  const [error, setError] = useState<string>();
  const [ticker, setTicker] = useState('');
  const [type, setType] = useState('');
  const [minSeverity, setMinSeverity] = useState('');
  const pending = useRef<Anomaly[]>([]);

  useEffect(() => {
    let stop = () => {};
    gql<{ anomalies: { edges: { node: Anomaly }[] } }>(settings, 'Anomalies', { first: 100 })
      .then((d) => {
        const initial = d.anomalies.edges.map((e) => e.node);
        setList(initial);
        stop = subscribe<{ anomalyDetected: Anomaly }>(
          settings,
          'AnomalyDetected',
          initial[0] ? { after: initial[0].id } : {},
          (a) => pending.current.push(a.anomalyDetected),
          setError,
        );
      })
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
    const flush = setInterval(() => {
      if (pending.current.length === 0) return;
      const fresh = pending.current.reverse();
      pending.current = [];
      setList((old) => [...fresh, ...old].slice(0, KEEP));
    }, 250);
    return () => {
      stop();
      clearInterval(flush);
    };
  }, [settings]);

  const t = ticker.trim().toUpperCase();
  const minRank = minSeverity ? SEVERITIES.indexOf(minSeverity as (typeof SEVERITIES)[number]) : 0;
  const shown = list.filter(
    (a) =>
      (!t || a.ticker === t) &&
      (!type || a.type === type) &&
      SEVERITIES.indexOf(a.severity) >= minRank,
  );

  return (
    <Panel
      id="anomalies"
      title="Anomalies"
      error={error}
      aside={
        <span class="filters">
          <input
            type="search"
            placeholder="ticker"
            value={ticker}
            onInput={(e) => setTicker(e.currentTarget.value)}
            aria-label="Ticker"
          />
          <select value={type} onChange={(e) => setType(e.currentTarget.value)} aria-label="Type">
            <option value="">all types</option>
            {TYPES.map((x) => (
              <option key={x} value={x}>
                {x}
              </option>
            ))}
          </select>
          <select
            value={minSeverity}
            onChange={(e) => setMinSeverity(e.currentTarget.value)}
            aria-label="Minimum severity"
          >
            <option value="">any severity</option>
            {SEVERITIES.map((x) => (
              <option key={x} value={x}>
                {x} or worse
              </option>
            ))}
          </select>
        </span>
      }
    >
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th>event time</th>
              <th>ticker</th>
              <th>type</th>
              <th>severity</th>
              <th class="num">price</th>
              <th class="num">statistic</th>
              <th class="num">threshold</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((a) => (
              <tr key={a.id} data-anomaly={a.id} data-ticker={a.ticker} data-type={a.type}>
                <td>{clock(a.time)}</td>
                <td>{a.ticker}</td>
                <td>{a.type}</td>
                <td>
                  <Badge kind={a.severity}>{a.severity}</Badge>
                </td>
                <td class="num">{a.priceText}</td>
                <td class="num">{num(a.statistic)}</td>
                <td class="num">{num(a.threshold)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {shown.length === 0 && (
        <p class="empty">No anomalies{list.length ? ' match the filters' : ''}.</p>
      )}
    </Panel>
  );
}
