import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: '.',
  reporter: 'list',
  outputDir: './test-results',
  use: {
    baseURL: 'http://localhost:3000',
    // Debian's Chromium (`sudo apt-get install chromium`): Playwright downloads no browser of its own.
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  // What you would run in two terminals: the emulator with this folder's config, and the app.
  webServer: [
    { command: 'npx auth-emulator --config auth.config.yaml --no-watch', url: 'http://localhost:4400/.well-known/openid-configuration' },
    { command: 'node server.js', url: 'http://localhost:3000/' },
  ],
});
