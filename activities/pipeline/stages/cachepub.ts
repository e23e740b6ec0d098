import type { StoredTick } from '../../../lib/domain';
import {
  decodeTick,
  encodeLatestQuote,
  encodeQuoteMessage,
  quoteOrderKey,
} from '../../../lib/redis';
import type { StageProcessor } from './stage';

/** The latest quote per ticker: one hash write and one pub/sub message per ticker per batch. */
export const cachepubStage: StageProcessor = {
  stage: 'cachepub',
  source: (keys) => keys.normalizedEvents,
  build(entries, commit, ctx) {
    // One write per ticker per batch: the newest tick by event time, ingest order breaking ties.
    const latest = new Map<string, { tick: StoredTick; order: string }>();
    for (const [id, fields] of entries) {
      const tick = decodeTick(id, fields);
      const order = quoteOrderKey(tick.ts, tick.rawId);
      const cur = latest.get(tick.ticker);
      if (!cur || order >= cur.order) latest.set(tick.ticker, { tick, order });
    }
    for (const { tick: t, order } of latest.values()) {
      const message = encodeQuoteMessage(t, ctx.now);
      commit.latest(
        ctx.keys.latestQuote(t.ticker),
        order,
        ctx.keys.quotesPubsub,
        message,
        encodeLatestQuote(t, ctx.now),
      );
      commit.sadd(ctx.keys.quoteTickers, t.ticker);
      ctx.metrics?.freshness(t.feed, t.ts, ctx.now);
    }
    return Promise.resolve({ out: latest.size, deadLettered: 0, anomalies: 0 });
  },
};
