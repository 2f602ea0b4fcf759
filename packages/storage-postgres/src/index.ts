// index.ts: the public API of @jobsmith/storage-postgres: the storage class and its options type, nothing else.
export type { PostgresStorageOptions } from './options.js';
export { PostgresStorage } from './storage.js';
