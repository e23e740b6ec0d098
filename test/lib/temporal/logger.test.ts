import { Writable } from 'node:stream';
import pino from 'pino';
import { PinoTemporalLogger } from '../../../lib/temporal/logger';

function capture(level: string) {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
      done();
    },
  });
  return { logger: new PinoTemporalLogger(pino({ level }, stream)), lines };
}

const SUMMARY = [
  'asset workflow-bundle-99e69c90d5d2500d89d4.js 1.56 MiB [emitted] [immutable] (name: main)',
  'runtime modules 883 bytes 4 modules',
  'modules by path ./workflows/ 40 KiB',
  'webpack 5.112.2 compiled successfully in 8401 ms',
].join('\n');

describe('PinoTemporalLogger', () => {
  it("logs the bundler's webpack summary at debug, the rest at the SDK's level", () => {
    const info = capture('info');
    info.logger.info(SUMMARY, { sdkComponent: 'worker' });
    info.logger.info('Workflow bundle created', { size: '1.56MB' });
    info.logger.warn('Worker state changed');
    expect(info.lines.map((l) => [l.level, l.msg])).toEqual([
      [30, 'Workflow bundle created'],
      [40, 'Worker state changed'],
    ]);
    const debug = capture('debug');
    debug.logger.info(SUMMARY);
    expect(debug.lines.map((l) => [l.level, l.msg])).toEqual([[20, SUMMARY]]);
  });

  it('keeps a failed build an error', () => {
    const c = capture('info');
    c.logger.error(SUMMARY.replace('compiled successfully', 'compiled with 1 error'));
    expect(c.lines.map((l) => l.level)).toEqual([50]);
  });
});
