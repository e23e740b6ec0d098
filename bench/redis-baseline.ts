import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The Redis ceiling for stream appends on this machine, now: redis-benchmark's XADD rate,
 * one command per round trip (50 clients) and pipelined 64 deep.
 */
export async function redisXaddRate(
  port: number,
  pipeline: number,
  requests: number,
): Promise<number> {
  const { stdout } = await run('redis-benchmark', [
    '-p',
    String(port),
    '-q',
    '-n',
    String(requests),
    '-P',
    String(pipeline),
    'XADD',
    `bench:xadd:${pipeline}`,
    'MAXLEN',
    '~',
    '1000000',
    '*',
    'feed',
    'simulator',
    'payload',
    '{"T":"t","S":"AAPL","p":189.71,"s":100,"t":1700000000000,"i":1}',
  ]);
  // "XADD ...: 123456.79 requests per second, p50=0.199 msec" (the line may carry \r progress)
  const m = /([\d.]+) requests per second/.exec(stdout.split('\r').pop() ?? stdout);
  if (!m) throw new Error(`cannot parse redis-benchmark output: ${stdout}`);
  return Number(m[1]);
}
