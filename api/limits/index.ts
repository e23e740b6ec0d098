export {
  createRateLimitAdmission,
  type RateLimitAdmission,
  type RateLimitAdmissionOptions,
} from './admission';
export {
  createRateLimiter,
  rateLimitedError,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimiterOptions,
} from './rate-limit';
export { useRateLimit, type RateLimitOptions } from './use-rate-limit';
export { operationKind } from './operation-kind';
