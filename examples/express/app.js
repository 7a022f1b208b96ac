// An Express app that signs people in with express-openid-connect, as you would with Auth0. Against Auth0
// only issuerBaseURL (and the secrets) change; the emulator serves the same /authorize, login page,
// /oauth/token and /v2/logout.
import express from 'express';
import openidConnect from 'express-openid-connect';

const { auth, requiresAuth } = openidConnect; // a CommonJS package: Node gives its exports as one object

const app = express();

app.use(
  auth({
    issuerBaseURL: 'http://localhost:4400/',
    baseURL: 'http://localhost:3000',
    clientID: 'my-web-app',
    clientSecret: 'my-web-app-secret',
    secret: 'a long random string that encrypts the app session cookie',
    authRequired: false, // only the routes with requiresAuth() need a login
    auth0Logout: true, // /logout also ends the session at the emulator (/v2/logout), as with Auth0
    // A code for tokens, the access token for the API; without these, the SDK asks for an ID token only.
    authorizationParams: { response_type: 'code', audience: 'https://notes.example.test', scope: 'openid profile email read:notes' },
  }),
);

app.get('/', (req, res) => {
  res.send(req.oidc.isAuthenticated() ? '<a href="/profile">Profile</a> <a href="/logout">Log out</a>' : '<a href="/login">Log in</a>');
});

// The user from the ID token, and the access token the app would send to the API.
app.get('/profile', requiresAuth(), (req, res) => {
  const { token_type, expires_in } = req.oidc.accessToken;
  res.json({ user: req.oidc.user, access_token: { token_type, expires_in } });
});

app.listen(3000, 'localhost', () => console.log('Express app on http://localhost:3000'));
