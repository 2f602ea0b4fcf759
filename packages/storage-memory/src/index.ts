// index.ts: the public API of @jobsmith/storage-memory: the class and its options, nothing internal.
export { MemoryStorage, type MemoryStorageOptions } from './storage.js';
