// index.ts: the public API of @jobsmith/storage-sqlite: the storage class and its options, nothing else.

export type { SqliteStorageOptions } from './options.js';
export { SqliteStorage } from './storage.js';
