/**
 * The HTML answer path: views are `html` tagged templates whose values are escaped (src/http/views/html.ts),
 * and an error at a browser endpoint is Auth0's generic error page (src/http/views/error-page.ts), rendered
 * by the one error renderer. Browser-less: over HTTP, asserting the exact escaped text (issue 12 adds the
 * browser tests).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { html, raw } from '../src/http/views/html.js';
import { createEmulator, type Emulator, type RequestLogEntry } from '../src/index.js';
import supertest from 'supertest';

describe('html templates', () => {
  it('escapes every interpolated value: text between tags and inside quoted attributes', () => {
    const value = `<script>alert("x")</script> & 'quoted'`;
    expect(html`<p title="${value}">${value}</p>`.toString()).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;</p>',
    );
  });

  it('puts markup built by html (or trusted with raw) in as it is, once escaped: never twice', () => {
    const item = (name: string) => html`<li>${name}</li>`;
    expect(html`<ul>${['a&b', '<c>'].map(item)}</ul>`.toString()).toBe('<ul><li>a&amp;b</li><li>&lt;c&gt;</li></ul>');
    expect(html`<style>${raw('a > b { color: red }')}</style>`.toString()).toBe('<style>a > b { color: red }</style>');
    // A string that looks like markup is still text.
    expect(html`${'<b>bold</b>'}`.toString()).toBe('&lt;b&gt;bold&lt;/b&gt;');
  });

  it('writes numbers and true as text, and leaves out null, undefined and false', () => {
    expect(html`${1}|${0}|${true}|${null}|${undefined}|${false}|${''}`.toString()).toBe('1|0|true||||');
  });
});

describe('the error page of a browser endpoint', () => {
  let emulator: Emulator;
  let http: ReturnType<typeof supertest>;
  const log: RequestLogEntry[] = [];
  beforeAll(async () => {
    emulator = await createEmulator({
      config: { tenants: [{ name: 'acme', default: true, friendly_name: `<b>Acme & "Sons"</b>`, connections: [{ name: 'db', users: [] }] }] },
      port: 0,
      log: (entry) => log.push(entry),
    });
    http = supertest(emulator.url!);
  });
  afterAll(() => emulator.close());

  it('/authorize answers Auth0-style HTML, whatever the client accepts, with the values escaped', async () => {
    const res = await http.get('/authorize?client_id=<x>').set('Accept', 'application/json').expect(400);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers).toMatchObject({ 'cache-control': 'no-store', 'x-frame-options': 'deny' });
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.text).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(res.text).toContain('<h1>Oops!, something went wrong</h1>');
    expect(res.text).toContain('<p class="tenant" id="tenant-name">&lt;b&gt;Acme &amp; &quot;Sons&quot;&lt;/b&gt;</p>');
    expect(res.text).not.toContain('<b>Acme');
    expect(res.text).toContain('<code id="error-details">invalid_request: Unknown client: &lt;x&gt;</code>');
    // The tracking id is the request's log id.
    const entry = log.at(-1)!;
    expect(entry).toMatchObject({ method: 'GET', path: '/authorize', status: 400, tenant: 'acme', error: 'invalid_request' });
    expect(res.text).toContain(`<p>Tracking ID: <code id="tracking-id">${entry.id}</code></p>`);
    expect(res.text).not.toMatch(/<script|https?:\/\//);
  });

  it('also under a tenant prefix, for POST, and a wrong method is a 405 page with Allow', async () => {
    const post = await http.post('/acme/authorize').type('form').send('client_id=x').expect(400);
    expect(post.text).toContain('<code id="error-details">invalid_request: Unknown client: x</code>');
    const put = await http.put('/authorize').expect(405);
    expect(put.headers).toMatchObject({ 'content-type': 'text/html; charset=utf-8', allow: 'HEAD, GET, POST' });
    expect(put.text).toContain('<code id="error-details">method_not_allowed: Method not allowed; use HEAD or GET or POST</code>');
    const head = await http.head('/authorize').expect(400);
    expect(head.headers['content-type']).toBe('text/html; charset=utf-8');
  });

  it('API endpoints keep answering JSON, also to a browser', async () => {
    const res = await http.get('/nope').set('Accept', 'text/html').expect(404);
    expect(res.body).toEqual({ error: 'not_found', error_description: 'Not found: GET /nope' });
    const token = await http.get('/oauth/token').set('Accept', 'text/html').expect(405);
    expect(token.headers['content-type']).toBe('application/json; charset=utf-8');
  });
});
