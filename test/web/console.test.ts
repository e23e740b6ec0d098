import { join } from 'node:path';
import { createApiKeyStore } from '../../api/auth';
import { startFeed, startPipelines } from '../../clients';
import { replayWorkflowId } from '../../contract';
import { createLogger } from '../../lib/logger';
import { createRegistry } from '../../lib/metrics';
import {
  createKeys,
  createRedis,
  encodeDeadLetter,
  encodeFailedBatch,
  keysOf,
  type Redis,
} from '../../lib/redis';
import { buildConsole } from '../../scripts/build-console';
import { createSimulator } from '../../simulator';
import { startTestApi, type TestApi } from '../support/api';
import { launchBrowser, offMachine, screenshotDir, type TestBrowser } from '../support/browser';
import { temporalFixture, testConfig, type TemporalFixture } from '../support/stack';
import { startTestWorker } from '../support/temporal';

/**
 * The operations console in a real Chromium against the real stack: simulator → ingestFeed →
 * pipeline → API, authenticated with real API keys (an operator and a viewer).
 */
describe('operations console in Chromium', () => {
  const config = testConfig({
    SIMULATOR_EVENTS_PER_SECOND: '200',
    SIMULATOR_SPIKE_PROBABILITY: '0',
    PIPELINE_BLOCK_MS: '100',
    API_RATE_LIMIT_PER_SECOND: '0',
    WORKER_SHUTDOWN_GRACE_MS: '2000',
    // Temporal links point at a UI this test never opens (no request may leave the machine).
    TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
  });
  const logger = createLogger({ level: config.logLevel, name: 'console-test' });
  const sim = createSimulator({ config: config.simulator, logger, registry: createRegistry('s') });
  const keys = createKeys(config.redis.keyPrefix);
  /** Writes a dead letter of a valid AAPL trade, as an older adapter would have refused it. */
  async function deadLetter(price: number): Promise<string> {
    const pk = keysOf(config).forTicker('AAPL');
    return (await redis.xadd(
      pk.deadLetters,
      '*',
      ...encodeDeadLetter({
        reason: 'unknown message type (an older adapter)',
        feed: 'sim',
        adapter: 'simulator',
        sourceStreamId: `${Date.now()}-0`,
        payload: JSON.stringify({
          T: 't',
          S: 'AAPL',
          p: price,
          s: 1,
          t: Date.now() - 60_000,
          i: 1,
        }),
      }),
    ))!;
  }
  let simHttp = '';
  let temporal: TemporalFixture;
  let redis: Redis;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let api: TestApi;
  let browser: TestBrowser;
  let operatorKey = '';
  let viewerKey = '';
  const workflowIds: string[] = [];

  beforeAll(async () => {
    await buildConsole();
    const { url, port } = await sim.start();
    simHttp = `http://127.0.0.1:${port}`;
    temporal = await temporalFixture(config);
    redis = createRedis(config.redis.url);
    worker = await startTestWorker(config, temporal);
    api = await startTestApi(config, {}, { realAuth: true });
    const store = createApiKeyStore({ redis, keys, cacheMs: 0 });
    operatorKey = (await store.createApiKey({ name: 'ops', role: 'operator' })).key;
    viewerKey = (await store.createApiKey({ name: 'watcher', role: 'viewer' })).key;
    const feed = await startFeed(temporal.client, config, {
      name: 'sim',
      adapter: 'simulator',
      url,
    });
    workflowIds.push(feed.workflowId);
    for (const p of await startPipelines(temporal.client, config)) workflowIds.push(p.workflowId);
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    // The API first: its in-flight workflow queries end before the worker and Temporal go.
    await api?.close();
    for (const id of workflowIds)
      await temporal?.client.workflow
        .getHandle(id)
        .terminate('test done')
        .catch(() => undefined);
    await worker?.stop();
    await sim.stop();
    await temporal?.close();
    const left = await redis.keys(`${config.redis.keyPrefix}*`);
    if (left.length) await redis.del(...left);
    await redis.quit();
  });

  /** Opens the console and signs in with a key through its form. */
  async function openAs(key: string, role: string) {
    const watched = await browser.newPage();
    const { page } = watched;
    await page.goto(`${api.base}/`);
    await page.fill('input[name=credential]', key);
    await Promise.all([
      page.waitForEvent('load'),
      page.click('form.credential button[type=submit]'),
    ]);
    await page.waitForSelector(`.who[data-role=${role}]`, { timeout: 10_000 });
    return watched;
  }

  it('loads for an operator with live quotes, a spike as an anomaly row, and a replay that completes', async () => {
    const { page, errors, requests } = await openAs(operatorKey, 'operator');
    await page.waitForSelector('[data-live=live]', { timeout: 10_000 });

    // A live quote changes within 2 s (the simulator sends each ticker a few times a second).
    const price = page.locator('.quote[data-ticker=AAPL] [data-field=price]');
    await price.waitFor({ timeout: 30_000 });
    const before = await price.textContent();
    await page.waitForFunction(
      (prev) =>
        document.querySelector('.quote[data-ticker=AAPL] [data-field=price]')?.textContent !== prev,
      before,
      { timeout: 2000, polling: 50 },
    );

    // The feed and the pipeline's stages show, with links into the Temporal UI.
    await page.waitForSelector('tr[data-feed=sim] a.temporal', { timeout: 10_000 });
    await page.waitForSelector('tr[data-stage=normalize]', { timeout: 10_000 });
    const feedLink = await page.getAttribute('tr[data-feed=sim] a.temporal', 'href');
    expect(feedLink).toMatch(
      /^http:\/\/127\.0\.0\.1:8233\/namespaces\/default\/workflows\/feed-sim\//,
    );

    // After a spike, its anomaly row appears within 10 s.
    const spikeRes = await fetch(`${simHttp}/spike`, {
      method: 'POST',
      body: JSON.stringify({ ticker: 'AAPL', pct: 15 }),
    });
    const spike = (await spikeRes.json()) as { to: string };
    await page.waitForFunction(
      (to) =>
        [...document.querySelectorAll('tr[data-ticker=AAPL][data-type=price_jump]')].some((r) =>
          r.textContent?.includes(to),
        ),
      spike.to,
      { timeout: 10_000, polling: 100 },
    );

    // A failed batch: the operator's Replay starts replay-<id>, which completes.
    const batchId = `cachepub-${Date.now()}-0`;
    await redis.xadd(
      keys.partition(0).failedBatches,
      '*',
      ...encodeFailedBatch({
        batchId,
        stage: 'cachepub',
        stream: keys.partition(0).normalizedEvents,
        ids: ['1-0'],
        error: 'simulated failure',
        attempts: 3,
        failedAt: Date.now(),
      }),
    );
    const row = page.locator(`tr[data-batch="${batchId}"]`);
    await row.waitFor({ timeout: 10_000 });
    await row.locator('button', { hasText: 'Replay' }).click();
    await row.locator('[data-field=replay] .badge.completed').waitFor({ timeout: 20_000 });
    const handle = temporal.client.workflow.getHandle(replayWorkflowId(batchId));
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    expect(await handle.result()).toMatchObject({ batchId });

    // A dead letter: the operator's Redrive re-runs it through the normalizer; it shows normalized.
    const letterId = await deadLetter(123.45);
    const letter = page.locator(`tr[data-dead-letter="${letterId}"]`);
    await letter.waitFor({ timeout: 10_000 });
    await letter.locator('button', { hasText: 'Redrive' }).click();
    await letter.locator('[data-field=redrive] .badge', { hasText: 'normalized' }).waitFor({
      timeout: 20_000,
    });
    expect(await letter.locator('button', { hasText: 'Redrive' }).isDisabled()).toBe(true);

    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(screenshotDir(), 'console.png'), fullPage: true });
    await page
      .locator('#anomalies')
      .screenshot({ path: join(screenshotDir(), 'console-anomalies.png') });
    expect(errors).toEqual([]);
    expect(offMachine(requests)).toEqual([]);
    await page.close();
  });

  it('shows a viewer the operator actions disabled, and the API refuses them', async () => {
    const { page, errors } = await openAs(viewerKey, 'viewer');
    const batchId = `cachepub-${Date.now()}-1`;
    await redis.xadd(
      keys.partition(0).failedBatches,
      '*',
      ...encodeFailedBatch({
        batchId,
        stage: 'cachepub',
        stream: keys.partition(0).normalizedEvents,
        ids: ['2-0'],
        error: 'simulated failure',
        attempts: 3,
        failedAt: Date.now(),
      }),
    );
    const replay = page.locator(`tr[data-batch="${batchId}"] button`, { hasText: 'Replay' });
    await replay.waitFor({ timeout: 10_000 });
    expect(await replay.isDisabled()).toBe(true);
    await page.waitForSelector('tr[data-feed=sim]', { timeout: 10_000 });
    expect(await page.locator('tr[data-feed=sim] button').isDisabled()).toBe(true);
    const letterId = await deadLetter(99);
    const redrive = page.locator(`tr[data-dead-letter="${letterId}"] button`, {
      hasText: 'Redrive',
    });
    await redrive.waitFor({ timeout: 10_000 });
    expect(await redrive.isDisabled()).toBe(true);
    const refused = await api.gql('mutation { redriveDeadLetters { workflowId } }', undefined, {
      authorization: `Bearer ${viewerKey}`,
    });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    // Disabled buttons are a courtesy: the API itself refuses the viewer.
    const res = await api.gql(
      'mutation($b: ID!) { replayBatch(batchId: $b) { workflowId } }',
      { b: batchId },
      { authorization: `Bearer ${viewerKey}` },
    );
    expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await new Promise((r) => setTimeout(r, 500));
    const described = await temporal.client.workflow
      .getHandle(replayWorkflowId(batchId))
      .describe()
      .then(
        () => 'exists',
        () => 'absent',
      );
    expect(described).toBe('absent');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('asks for a key when none is given, without a request that would fail', async () => {
    const { page, errors, requests } = await browser.newPage();
    const failed: string[] = [];
    page.on('response', (r) => {
      if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
    });
    await page.goto(`${api.base}/`);
    await page.waitForSelector('form.credential .error', { timeout: 10_000 });
    expect(await page.textContent('form.credential .error')).toMatch(/Not signed in/);
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
    expect(offMachine(requests)).toEqual([]);
    await page.close();
  });
});
