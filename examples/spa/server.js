// Serves the SPA on http://localhost:3000: its page, its script and auth0-spa-js's browser bundle.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';

const files = {
  '/': { path: new URL('index.html', import.meta.url), type: 'text/html' },
  '/app.js': { path: new URL('app.js', import.meta.url), type: 'text/javascript' },
  '/auth0-spa-js.production.js': {
    path: createRequire(import.meta.url).resolve('@auth0/auth0-spa-js/dist/auth0-spa-js.production.js'),
    type: 'text/javascript',
  },
};

createServer(async (req, res) => {
  const file = files[new URL(req.url, 'http://localhost').pathname];
  if (!file) return res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
  res.writeHead(200, { 'Content-Type': `${file.type}; charset=utf-8` }).end(await readFile(file.path));
}).listen(3000, 'localhost', () => console.log('SPA on http://localhost:3000'));
