import { useEffect, useRef, useState } from 'preact/hooks';
import { gql } from '../graphql/client';
import { subscribe } from '../graphql/live';
import type { Quote } from '../graphql/types';
import { Panel } from '../components/panel';
import { Sparkline } from '../components/sparkline';
import { age, num } from '../format';
import { useNow } from '../hooks';
import { useSession } from '../session';

const POINTS = 60;
/** Updates arrive per ticker per pipeline chunk; the board repaints at most this often. */
const PAINT_MS = 250;

interface Row {
  quote: Quote;
  /** The last prices, oldest first, for the sparkline. */
  history: number[];
  /** The first price this page saw: the change column is since then. */
  open: number;
  changedAt: number;
}

/** Every ticker's latest quote, live from `quoteUpdated`, with a sparkline of its last prices. */
export function QuotesView() {
  const { settings } = useSession();
  const rows = useRef(new Map<string, Row>());
  const dirty = useRef(false);
  const [, repaint] = useState(0);
  const [error, setError] = useState<string>();
  const [filter, setFilter] = useState('');
  const now = useNow();

  useEffect(() => {
    const apply = (q: Quote) => {
      const r = rows.current.get(q.ticker);
      if (!r) {
        rows.current.set(q.ticker, {
          quote: q,
          history: [q.price],
          open: q.price,
          changedAt: Date.now(),
        });
      } else if (q.time >= r.quote.time) {
        if (q.priceText !== r.quote.priceText) r.changedAt = Date.now();
        r.quote = q;
        r.history.push(q.price);
        if (r.history.length > POINTS) r.history.shift();
      }
      dirty.current = true;
    };
    let stop = () => {};
    gql<{ quotes: { edges: { node: Quote }[] } }>(settings, 'Quotes')
      .then((d) => {
        for (const e of d.quotes.edges) apply(e.node);
        stop = subscribe<{ quoteUpdated: Quote }>(
          settings,
          'QuoteUpdated',
          {},
          (d) => apply(d.quoteUpdated),
          setError,
        );
      })
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
    const paint = setInterval(() => {
      if (dirty.current) {
        dirty.current = false;
        repaint((n) => n + 1);
      }
    }, PAINT_MS);
    return () => {
      stop();
      clearInterval(paint);
    };
  }, [settings]);

  const wanted = filter.trim().toUpperCase();
  const list = [...rows.current.values()]
    .filter(
      (r) =>
        !wanted || r.quote.ticker.includes(wanted) || r.quote.sector.toUpperCase().includes(wanted),
    )
    .sort((a, b) => (a.quote.ticker < b.quote.ticker ? -1 : 1));

  return (
    <Panel
      id="quotes"
      title="Quote board"
      error={error}
      aside={
        <input
          type="search"
          placeholder="ticker or sector"
          value={filter}
          onInput={(e) => setFilter(e.currentTarget.value)}
          aria-label="Filter quotes"
        />
      }
    >
      <div class="board">
        {list.map((r) => {
          const change = r.open ? ((r.quote.price - r.open) / r.open) * 100 : 0;
          return (
            <div
              class={now - r.changedAt < 600 ? 'quote flash' : 'quote'}
              key={r.quote.ticker}
              data-ticker={r.quote.ticker}
            >
              <div class="q-head">
                <strong>{r.quote.ticker}</strong>
                <span class="sub">{r.quote.sector}</span>
              </div>
              <div class="q-price" data-field="price">
                {r.quote.priceText}
              </div>
              <div class="q-meta">
                <span class={change >= 0 ? 'up' : 'down'}>
                  {change >= 0 ? '+' : ''}
                  {num(change)}%
                </span>
                <span class="sub">
                  {r.quote.bid != null ? `${num(r.quote.bid)} / ${num(r.quote.ask)}` : r.quote.kind}{' '}
                  · {age(r.quote.time, now)}
                </span>
              </div>
              <Sparkline values={r.history} />
            </div>
          );
        })}
      </div>
      {list.length === 0 && <p class="empty">No quotes yet.</p>}
    </Panel>
  );
}
