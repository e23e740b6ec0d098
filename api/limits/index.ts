export {
  createRateLimiter,
  rateLimitedError,
  RATE_LIMITED,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimiterOptions,
} from './rate-limit';
export { useRateLimit, type RateLimitOptions } from './use-rate-limit';
export { operationKind } from './operation-kind';
