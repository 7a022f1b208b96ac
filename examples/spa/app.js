// The app's browser code: auth0-spa-js as you would use it with Auth0. Against Auth0 only `domain` changes
// (to 'YOUR_TENANT.auth0.com'); the emulator serves the same /authorize, login page, /oauth/token and logout.
const auth0Client = await auth0.createAuth0Client({
  domain: 'http://localhost:4400',
  clientId: 'my-spa',
  // The API's scopes come only when asked for, as with Auth0.
  authorizationParams: { redirect_uri: `${window.location.origin}/`, audience: 'https://notes.example.test', scope: 'openid profile email read:notes' },
});

// Back from the login page: finish the login and take code and state out of the address bar.
const query = new URLSearchParams(window.location.search);
if (query.has('state') && (query.has('code') || query.has('error'))) {
  await auth0Client.handleRedirectCallback();
  window.history.replaceState({}, document.title, '/');
}

const $ = (id) => document.getElementById(id);
$('login').onclick = () => auth0Client.loginWithRedirect();
$('logout').onclick = () => auth0Client.logout({ logoutParams: { returnTo: `${window.location.origin}/` } });

const user = await auth0Client.getUser();
$('status').textContent = user ? `Signed in as ${user.email}` : 'Signed out';
$('login').hidden = Boolean(user);
$('logout').hidden = !user;
if (user) {
  // The access token for the API (from the cache, else from the emulator without a page change).
  const token = await auth0Client.getTokenSilently();
  const claims = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
  $('token').textContent = `Access token for ${[claims.aud].flat()[0]}, scope "${claims.scope}"`;
}
