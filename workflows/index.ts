/** Every workflow the worker registers (its workflowsPath), each under its contract name. */
export { ingestFeed } from './ingest-feed';
export { pipeline } from './pipeline';
export { replayBatch } from './replay-batch';
export { archiveDay } from './archive-day';
export { redriveDeadLetters } from './redrive-dead-letters';
export { backtestAnomalies } from './backtest-anomalies';
