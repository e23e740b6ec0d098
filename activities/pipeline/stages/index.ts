import type { Stage } from '../../../lib/redis';
import { anomalyStage } from './anomaly';
import { cachepubStage } from './cachepub';
import { normalizeStage } from './normalize';
import type { StageProcessor } from './stage';

export type { ChunkTrace, StageContext, StageCounts, StageProcessor } from './stage';
export { anomalyStage, cachepubStage, normalizeStage };

/** Every stage's processor: live batches and replays of failed ones take the same one. */
export const STAGE_PROCESSORS: Readonly<Record<Stage, StageProcessor>> = {
  normalize: normalizeStage,
  cachepub: cachepubStage,
  anomaly: anomalyStage,
};
