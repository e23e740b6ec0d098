import { createServer } from 'node:http';
import Redis from 'ioredis';

/**
 * The baseline of the API bench: a plain Node HTTP handler doing the same Redis read as
 * `quote(ticker)` (one HGETALL) and answering a GraphQL-shaped JSON body, with no GraphQL,
 * no auth, no cache. Run as its own process: `tsx bench/plain-quote-server.ts <port> <redisUrl> <key>`.
 */
const [port = '0', redisUrl = 'redis://127.0.0.1:6379', key = 'quotes:latest:AAPL'] =
  process.argv.slice(2);
const redis = new Redis(redisUrl);
const server = createServer((req, res) => {
  // Drain the request body as a GraphQL server would before answering.
  req.resume();
  req.on('end', () => {
    redis.hgetall(key).then(
      (h) => {
        const body = JSON.stringify({
          data: { quote: { ticker: h.ticker, price: Number(h.price), ts: Number(h.ts) } },
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      },
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
});
server.listen(Number(port), '127.0.0.1');
process.once('SIGTERM', () => {
  server.close();
  redis.disconnect();
  process.exit(0);
});
