/**
 * HTTP load with autocannon (run programmatically, in the bench process; the servers are other processes).
 * Throughput counts 2xx answers only; latency percentiles are computed from every 2xx response time
 * (autocannon's own histogram rounds to whole milliseconds). Anything but 2xx makes the measurement invalid.
 */
import autocannon from 'autocannon';
import { percentile } from '../stats.js';
import { cpuOf, sampleRss } from './children.js';

/**
 * @typedef {object} Target
 * @property {string} url
 * @property {'GET' | 'POST'} [method]
 * @property {Record<string, string>} [headers]
 * @property {string} [body]
 */

/**
 * @typedef {object} Measurement
 * @property {number} rps 2xx answers per second
 * @property {number} p50 ms
 * @property {number} p99 ms
 * @property {number} requests 2xx answers
 * @property {number} non2xx
 * @property {number} errors connection errors and timeouts
 * @property {number} seconds
 * @property {number | null} rssMB highest RSS of the server process during the measurement
 * @property {number | null} mainCpuUs the server's main-thread (event loop) CPU time per 2xx answer, µs
 * @property {number | null} totalCpuUs the server's CPU time per 2xx answer, all threads (with signing), µs
 */

/**
 * One autocannon run against `target`.
 * @param {Target} target
 * @param {{ connections?: number, seconds: number, signal?: AbortSignal, pid?: number }} o
 * @returns {Promise<Measurement>}
 */
export async function measure(target, o) {
  o.signal?.throwIfAborted();
  /** @type {number[]} */
  const latencies = [];
  const rss = o.pid === undefined ? undefined : sampleRss([o.pid]);
  const cpuBefore = cpuOf(o.pid);
  /** @type {autocannon.Result} */
  const result = await new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.url,
        method: target.method ?? 'GET',
        headers: target.headers ?? {},
        ...(target.body === undefined ? {} : { body: target.body }),
        connections: o.connections ?? 10,
        pipelining: 1,
        duration: o.seconds,
        timeout: 10,
      },
      (err, res) => {
        o.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(res);
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
    const onAbort = () => {
      instance.stop();
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
  });
  const peak = rss?.stop();
  const cpuAfter = cpuOf(o.pid);
  o.signal?.throwIfAborted();
  const ok = result['2xx'];
  /** @param {number | null} a @param {number | null} b */
  const perAnswer = (a, b) => (a === null || b === null || ok === 0 ? null : ((b - a) * 1000) / ok);
  return {
    rps: ok / result.duration,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    requests: ok,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    seconds: result.duration,
    rssMB: o.pid === undefined ? null : (peak?.get(o.pid) ?? null),
    mainCpuUs: perAnswer(cpuBefore.mainMs, cpuAfter.mainMs),
    totalCpuUs: perAnswer(cpuBefore.totalMs, cpuAfter.totalMs),
  };
}

/**
 * A request sent once with fetch (setup and sanity checks).
 * @param {Target} target
 * @returns {Promise<{ status: number, text: string, json: any }>}
 */
export async function once(target) {
  const res = await fetch(target.url, {
    method: target.method ?? 'GET',
    headers: target.headers ?? {},
    ...(target.body === undefined ? {} : { body: target.body }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

/**
 * @param {string} url
 * @param {Record<string, unknown>} body
 * @returns {Target}
 */
export function postJson(url, body) {
  return { url, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/**
 * @param {string} url
 * @param {Record<string, string>} body
 * @returns {Target}
 */
export function postForm(url, body) {
  return { url, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body).toString() };
}
