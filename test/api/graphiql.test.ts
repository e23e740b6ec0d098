import { join } from 'node:path';
import type { StoredTick } from '../../lib/domain/types';
import { encodeQuoteMessage } from '../../lib/redis';
import type { Page } from 'playwright-core';
import { startTestApi, type TestApi } from '../support/api';
import { launchBrowser, offMachine, screenshotDir, type TestBrowser } from '../support/browser';
import { redisFixture, testConfig, type RedisFixture } from '../support/stack';
import { eventually } from '../support/temporal';

function tick(ticker: string, price: string): StoredTick {
  const ts = Date.now();
  return {
    id: `${ts}-0`,
    rawId: `${ts}-0`,
    ticker,
    kind: 'trade',
    price,
    ts,
    sector: 'Technology',
    source: 'sim',
    feed: 'f',
    seq: '1',
  };
}

/**
 * GraphiQL as a developer opens it (`NODE_ENV=development`) in Chromium: its page and scripts
 * come from the API itself, a query runs, and a subscription streams over graphql-ws, with
 * no request leaving the machine.
 */
describe('GraphiQL offline', () => {
  const config = testConfig({ NODE_ENV: 'development' });
  let api: TestApi;
  let fx: RedisFixture;
  let browser: TestBrowser;
  beforeAll(async () => {
    fx = redisFixture(config);
    api = await startTestApi(config);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await fx?.close();
  });

  /** Whether GraphiQL's result pane shows `text`. */
  const shows = (page: Page, text: string) =>
    page.evaluate(
      // Monaco renders spaces as no-break spaces: compare without any whitespace.
      (t) =>
        document
          .querySelector('.graphiql-response')
          ?.textContent?.replace(/\s/g, '')
          .includes(t.replace(/\s/g, '')) === true,
      text,
    );

  /**
   * Opens GraphiQL with `query` in its editor and runs it until `ready` holds. The editor
   * loads the schema first, and a click before that runs nothing: it clicks again.
   */
  async function run(query: string, ready: (page: Page) => Promise<boolean>) {
    const watched = await browser.newPage();
    const { page } = watched;
    await page.goto(`${api.base}/graphql?query=${encodeURIComponent(query)}`);
    await eventually(
      async () => {
        await page.click('.graphiql-execute-button', { timeout: 30_000 });
        const deadline = Date.now() + 2000;
        while (Date.now() < deadline) {
          if (await ready(page)) return true;
          await page.waitForTimeout(100);
        }
        return false;
      },
      30_000,
      `GraphiQL to answer ${query}`,
    ).catch(async (err: unknown) => {
      const pane = await page.textContent('.graphiql-response').catch(() => null);
      throw new Error(`${String(err)}; result pane: ${pane}`);
    });
    return watched;
  }

  it('runs a query from local assets only', async () => {
    const { page, errors, requests } = await run('{ ping sectors { sector } }', (p) =>
      shows(p, '"ping": true'),
    );
    await page.screenshot({ path: join(screenshotDir(), 'graphiql.png') });
    expect(errors).toEqual([]);
    expect(requests.length).toBeGreaterThan(1);
    expect(offMachine(requests)).toEqual([]);
    await page.close();
  });

  it('streams a subscription over graphql-ws', async () => {
    // Publish at each try: the subscription is set up asynchronously after the click.
    const { page, errors, requests } = await run(
      'subscription { quoteUpdated(tickers: ["GQL"]) { ticker priceText } }',
      async (p) => {
        await fx.redis.spublish(
          fx.keys.forTicker('GQL').quotesChannel,
          encodeQuoteMessage(tick('GQL', '42.5'), Date.now()),
        );
        return shows(p, '42.5');
      },
    );
    expect(requests.some((u) => u.startsWith('ws://127.0.0.1'))).toBe(true);
    expect(errors).toEqual([]);
    expect(offMachine(requests)).toEqual([]);
    await page.close();
  });
});
