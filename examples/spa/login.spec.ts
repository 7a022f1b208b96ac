/**
 * The SPA in a real browser against the emulator: log in on the Universal Login page (Auth0's markup, so
 * these selectors work against Auth0 too), get an access token for the API, log out.
 */
import { expect, test } from '@playwright/test';

test('log in on the login page, get a token for the API, log out', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('#status')).toHaveText('Signed out');
  await page.getByRole('button', { name: 'Log in' }).click();

  await page.fill('#username', 'alice@example.com');
  await page.fill('#password', 'alice-password');
  await page.click('button[name=action][value=default]');

  await expect(page.locator('#status')).toHaveText('Signed in as alice@example.com');
  await expect(page.locator('#token')).toHaveText('Access token for https://notes.example.test, scope "openid profile email read:notes"');

  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page.locator('#status')).toHaveText('Signed out');
});

test('a wrong password keeps you on the login page with Auth0\'s message', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.fill('#username', 'alice@example.com');
  await page.fill('#password', 'not-her-password');
  await page.click('button[name=action][value=default]');
  await expect(page.locator('#error-element-password')).toHaveText('Wrong email or password');
});
