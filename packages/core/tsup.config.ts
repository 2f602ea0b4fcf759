import { defineConfig } from 'tsup';

const common = { sourcemap: true, target: 'node20' as const, external: ['vitest'] };

export default defineConfig([
  {
    ...common,
    entry: {
      index: 'src/index.ts',
      'storage/index': 'src/storage-kit/index.ts',
      'testing/index': 'src/testing/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
  },
  {
    ...common,
    // Spawned as its own process by the server integration kit; it awaits at top level, so it ships as ESM only.
    entry: { 'testing/process-kit/server-child': 'src/testing/process-kit/server-child.ts' },
    format: ['esm'],
  },
]);
