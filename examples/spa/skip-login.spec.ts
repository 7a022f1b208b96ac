/**
 * Tests that are not about logging in skip the login page: the control plane starts a session for the user
 * (the one the login page would start) and answers its cookies; with them in the browser, the app's login
 * goes through /authorize without a form, as it does for someone already signed in.
 */
import { expect, test } from '@playwright/test';

test.beforeEach(async ({ context, request }) => {
  // The cookies are for the host the control plane is called at: the one the app uses (localhost).
  const res = await request.post('http://localhost:4400/__emulator/sessions', { data: { user: 'alice@example.com' } });
  expect(res.status()).toBe(201);
  const { cookies } = await res.json();
  await context.addCookies(cookies);
});

test('signed in without the login page', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Log in' }).click();
  // /authorize finds the session and sends the browser straight back to the app.
  await expect(page.locator('#status')).toHaveText('Signed in as alice@example.com');
});
