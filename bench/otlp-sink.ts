import { createServer } from 'node:http';
import { answerHelp } from '../lib/cli';

/**
 * A local OTLP/HTTP receiver for the tracing cost bench: accepts POST /v1/traces (JSON), counts
 * spans, answers 200, and prints the count when stopped (SIGTERM / SIGINT). Loopback only.
 */
answerHelp(
  'otlp-sink',
  `usage: npx tsx bench/otlp-sink.ts
  an OTLP/HTTP (JSON) receiver on 127.0.0.1:$OTLP_SINK_PORT (default 4318) that counts the spans it gets`,
);
const port = Number(process.env.OTLP_SINK_PORT ?? 4318);
let spans = 0;
let exports = 0;
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (req.method === 'POST' && req.url === '/v1/traces') {
      exports++;
      const body = Buffer.concat(chunks).toString('utf8');
      spans += body.split('"spanId"').length - 1;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
server.listen(port, '127.0.0.1', () => process.stderr.write(`otlp-sink on 127.0.0.1:${port}\n`));
const stop = () => {
  process.stdout.write(`${JSON.stringify({ exports, spans })}\n`);
  server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
