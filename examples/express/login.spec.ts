/**
 * The Express app in a real browser against the emulator: a protected page sends you to the Universal Login
 * page (Auth0's markup, so these selectors work against Auth0 too) and back; "continue as" logs in with one
 * click (an emulator extra for local development); logout ends the emulator's session too.
 */
import { expect, test } from '@playwright/test';

test('a protected page asks you to log in, then shows who you are', async ({ page }) => {
  await page.goto('/profile');
  await page.fill('#username', 'alice@example.com');
  await page.fill('#password', 'alice-password');
  await page.click('button[name=action][value=default]');

  await expect(page).toHaveURL('/profile');
  const profile = JSON.parse(await page.locator('body').innerText());
  expect(profile).toMatchObject({ user: { email: 'alice@example.com', name: 'Alice' }, access_token: { token_type: 'Bearer' } });
});

test('"continue as" logs in with one click, and logging out ends the session', async ({ page }) => {
  await page.goto('/profile');
  await page.getByRole('button', { name: /bob@example\.com/ }).click();
  await expect(page.locator('body')).toContainText('"email":"bob@example.com"');

  await page.goto('/logout');
  await expect(page.getByRole('link', { name: 'Log in' })).toBeVisible();
  await page.goto('/profile');
  await expect(page.locator('#username')).toBeVisible(); // the login page again: no session left
});
