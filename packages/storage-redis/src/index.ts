// index.ts: the public API of @jobsmith/storage-redis: the storage class and its options type, nothing else.
export type { RedisStorageOptions } from './options.js';
export { RedisStorage } from './storage.js';
