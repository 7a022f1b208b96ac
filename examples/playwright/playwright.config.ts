import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: '.',
  // One emulator for the whole run, started before any worker and stopped after the last one.
  globalSetup: './global-setup.ts',
  globalTeardown: './global-teardown.ts',
  // The specs share that emulator and reset it after each test: run them one at a time.
  workers: 1,
  reporter: 'list',
  outputDir: './test-results',
});
