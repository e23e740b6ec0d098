/** The pipeline's batch activities and the stage processors they run. */
export { consumerName, createPipelineActivities } from './batch-activities';
export { createStageRunner } from './stage-runner';
export { STAGE_PROCESSORS, type StageContext, type StageProcessor } from './stages';
export { createRedriveActivities, type RedrivePartitionInput } from './redrive';
