import { instrumentId, type StoredTick } from '../../../lib/domain';
import {
  decodeTick,
  encodeLatestQuote,
  encodeQuoteMessage,
  quoteOrderKey,
} from '../../../lib/redis';
import type { StageProcessor } from './stage';

/**
 * The latest quote per venue (ticker and feed) and per ticker over its venues: one write and
 * one pub/sub message per venue per batch.
 */
export const cachepubStage: StageProcessor = {
  stage: 'cachepub',
  source: (keys) => keys.normalizedEvents,
  build(entries, commit, ctx) {
    // One write per venue per batch: its newest tick by event time, ingest order breaking ties.
    const latest = new Map<string, { tick: StoredTick; order: string }>();
    // Venues with a sampled tick in the chunk: their message carries the chunk's trace context.
    const traced = new Set<string>();
    for (const [id, fields] of entries) {
      const tick = decodeTick(id, fields);
      const order = quoteOrderKey(tick.ts, tick.rawId);
      const venue = instrumentId(tick.ticker, tick.feed);
      if (ctx.trace?.sampled.has(id)) traced.add(venue);
      const cur = latest.get(venue);
      if (!cur || order >= cur.order) latest.set(venue, { tick, order });
    }
    const { keys } = ctx;
    for (const [venue, { tick: t, order }] of latest) {
      const tp = traced.has(venue) ? ctx.trace?.traceparent : undefined;
      commit.latest({
        venueHash: keys.venueQuote(t.ticker, t.feed),
        latestHash: keys.latestQuote(t.ticker),
        venuesSet: keys.quoteVenues(t.ticker),
        feed: t.feed,
        order,
        channel: keys.quotesChannel,
        message: encodeQuoteMessage(t, ctx.now, tp),
        fields: encodeLatestQuote(t, ctx.now),
      });
      commit.sadd(keys.quoteTickers, t.ticker);
      ctx.metrics?.freshness(t.feed, t.ts, ctx.now);
    }
    return Promise.resolve({ out: latest.size, deadLettered: 0, anomalies: 0 });
  },
};
