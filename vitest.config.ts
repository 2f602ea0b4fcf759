import { defineConfig } from 'vitest/config';

// One run for the whole workspace. The `source` condition resolves each @jobsmith package to its TypeScript
// sources, so tests never need a build first.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'examples/**/*.test.ts',
      'bench/src/**/*.test.ts',
      'install-test/*.test.ts',
      'docs/examples/**/*.test.ts',
    ],
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-tmp/results.json' },
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
