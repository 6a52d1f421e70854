import { defineConfig } from 'vitest/config';

/**
 * Three projects, one command (`npm test`):
 * - unit: pure domain rules and handlers with aws-sdk-client-mock (fast, no I/O);
 * - infra: CDK assertions and cdk-nag on the synthesized stack;
 * - integration: real HTTP against the local runtime (DynamoDB Local), started once per run.
 */
export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'infra', include: ['test/infra/**/*.test.ts'], testTimeout: 120_000 },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          // The operators' dashboard in headless chromium (playwright-core), over its own local runtime.
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          globalSetup: ['test/browser/global-setup.ts'],
          testTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
