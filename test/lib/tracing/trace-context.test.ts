import { TraceFlags } from '@opentelemetry/api';
import {
  decodeTick,
  encodeQuoteMessage,
  decodeQuoteMessage,
  encodeTick,
  entryTraceparent,
  tickJson,
} from '../../../lib/redis';
import { linksTo, spanContextOf } from '../../../lib/tracing';
import type { NormalizedTick } from '../../../lib/domain';

const TP = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const tick: NormalizedTick = {
  ticker: 'AAPL',
  kind: 'trade',
  price: '189.71',
  size: '10',
  ts: 1_700_000_000_000,
  sector: 'Technology',
  source: 'simulator',
  feed: 'sim',
  seq: '42',
};

describe('trace context carried in entries and messages', () => {
  it('parses a sampled W3C traceparent and nothing else', () => {
    expect(spanContextOf(TP)).toEqual({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    for (const bad of [undefined, '', 'garbage', TP.toUpperCase(), `01${TP.slice(2)}`, `${TP}-x`]) {
      expect(spanContextOf(bad)).toBeUndefined();
    }
    expect(linksTo([TP, TP, 'bad'])).toEqual([{ context: spanContextOf(TP) }]);
  });

  it('keeps a tick without trace context byte for byte as before, and reads one with it', () => {
    expect(tickJson(tick, '1-0')).toBe(tickJson(tick, '1-0', undefined));
    expect(tickJson(tick, '1-0')).not.toContain('traceparent');
    const plain = encodeTick(tick, '1-0');
    expect(entryTraceparent(plain)).toBeUndefined();
    expect(decodeTick('2-0', plain)).not.toHaveProperty('traceparent');
    const traced = ['tick', tickJson(tick, '1-0', TP)];
    expect(entryTraceparent(traced)).toBe(TP);
    expect(decodeTick('2-0', traced)).toEqual({ ...decodeTick('2-0', plain), traceparent: TP });
  });

  it('adds an optional traceparent to a quote message', () => {
    const stored = { ...tick, id: '2-0', rawId: '1-0' };
    expect(encodeQuoteMessage(stored, 5)).not.toContain('traceparent');
    expect(decodeQuoteMessage(encodeQuoteMessage(stored, 5, TP))?.traceparent).toBe(TP);
  });
});
