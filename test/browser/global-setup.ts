/**
 * vitest's global setup: a run on a machine without Chromium stops before any test, with one line saying how
 * to install it (rather than a stack trace, or every browser test failing on its own).
 */
import { CHROMIUM_MISSING, findChromium } from './harness.js';

export default function requireChromium(): void {
  if (findChromium()) return;
  console.error(CHROMIUM_MISSING);
  process.exit(1);
}
