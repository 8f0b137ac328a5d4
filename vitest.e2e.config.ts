import { defineConfig } from 'vitest/config';

// End-to-end suites drive a real browser against the real web shell: one at a time (they share two
// CPU cores with the backend and SwiftShader), with timeouts sized for software WebGL.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    environment: 'node',
    fileParallelism: false,
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
