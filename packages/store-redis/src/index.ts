export { type RedisLimiterOptions, redisLimiterFactory } from './limiter.js';
export { type DatabaseIdentity, redisNamespaceFor } from './namespace.js';
export {
  createRedisRevocationChannel,
  DEFAULT_REVOCATION_CHANNEL,
  parseRevocationNotice,
  type ReconnectOptions,
  type RedisRevocationChannel,
  type RedisRevocationChannelOptions,
  serializeRevocationNotice,
} from './revocation-channel.js';
