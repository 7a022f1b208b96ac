// @ts-check
/**
 * The sandbox worker: a child process (forked by pool.ts) that runs the user's rules, hooks and Actions, so
 * that nothing the code does to its own process (an infinite loop, `process.exit`, `process.kill(process.pid)`,
 * a native crash, running out of memory) can stop the emulator: the pool replaces the worker.
 *
 * Each file gets its own `node:vm` context with an explicit set of globals and a `require` that resolves from
 * the file's own folder. NOTE(emulator): vm is not a security boundary, and this is not a sandbox against the
 * code: `callback.constructor.constructor('return process')()` reaches this process, `require('child_process')`
 * runs commands. The code is the user's own and runs with the user's rights, as any script in their repo.
 *
 * Many jobs run at once (a rule waiting on I/O is idle): each is tracked through AsyncLocalStorage, so a
 * line printed or an error thrown later is told apart from the others. Messages in (IPC): {t:'job'},
 * {t:'cancel', id} (the job is past its deadline, or moved to another worker: forget it), {t:'ping'}. Messages
 * out: {t:'ready'} once, {t:'started'} as a job starts, {t:'log'} as code logs, {t:'done'} or {t:'error'} per
 * job, {t:'pong'}. A job starts on the turn of the loop after its message arrives, so a cancel that was sent
 * right behind it (the pool moved it off this worker while it was stuck) is read first and it never runs. Inputs arrive and results leave as
 * JSON text (see Job in pool.ts); a script's source arrives once per worker. What changed is reported as a
 * list of operations per file, which the main process applies and explains.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { format } from 'node:util';
import vm from 'node:vm';
import { Worker } from 'node:worker_threads';
import { compileExtension } from './wrap.js';

if (typeof process.send !== 'function') throw new Error('sandbox-worker.js runs as a child process (child_process.fork)');
const send = process.send.bind(process);
/** @param {Record<string, unknown>} message */
const post = (message) => {
  // The channel is gone when the emulator has stopped; this process is about to exit.
  if (process.connected) send(message);
};

/**
 * The watchdog: a thread of its own, so it runs while the main thread is stuck in a loop or an allocation.
 * V8's heap limit (--max-old-space-size) does not cover Buffers and other memory outside the heap, so the
 * resident set is checked every 20 ms against the limit (in bytes, the first argument); past it the reason
 * is written to the side channel (fd 4) and the process kills itself. It also ends the process when the
 * emulator has gone (the parent pid changed) while the main thread is too busy to see the channel close.
 */
new Worker(
  `const { workerData: { limit, ppid } } = require('node:worker_threads');
  const { writeSync } = require('node:fs');
  setInterval(() => {
    const rss = process.memoryUsage.rss();
    if (rss > limit) {
      try { writeSync(4, 'memory ' + rss + '\\n'); } catch {}
      process.kill(process.pid, 'SIGKILL');
    }
    if (process.ppid !== ppid) process.kill(process.pid, 'SIGKILL');
  }, 20);`,
  { eval: true, workerData: { limit: Number(process.argv[2]), ppid: process.ppid }, stdout: false, stderr: false },
).unref();
process.on('disconnect', () => process.exit(0));
// Ctrl-C in a terminal signals the whole process group: the emulator stops its workers itself as it closes,
// so the runs they hold are not failed by the keystroke first.
process.on('SIGINT', () => {});

/**
 * The job whose code is running: carried through timers and promises, so a line printed (or an error
 * thrown) after a job ended is still told apart from the jobs now running.
 * @type {AsyncLocalStorage<number>}
 */
const jobContext = new AsyncLocalStorage();
/** @type {Map<number, (err: unknown) => void>} fails a job that is still running */
const failRunning = new Map();
/** Jobs the pool gave up on (past their deadline): their end is not reported. */
const cancelled = new Set();

/** @param {unknown} value */
const plain = (value) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

// Error classes Auth0 puts in the rule and hook sandboxes; the pipeline tells them apart by `name`.
/** @param {string} name */
function errorClass(name) {
  return class extends Error {
    /** @param {string} message */
    constructor(message) {
      super(message);
      this.name = name;
    }
  };
}
const UnauthorizedError = errorClass('UnauthorizedError');
const InvalidScopeError = errorClass('InvalidScopeError');
const InvalidRequestError = errorClass('InvalidRequestError');
const ServerError = errorClass('ServerError');

/** @param {unknown} err */
function describeError(err) {
  if (typeof err === 'string') return { name: 'Error', message: err };
  if (err && typeof err === 'object') {
    const e = /** @type {{ name?: unknown, message?: unknown, code?: unknown }} */ (err);
    return { name: String(e.name ?? 'Error'), message: String(e.message ?? err), ...(typeof e.code === 'string' ? { code: e.code } : {}) };
  }
  return { name: 'Error', message: String(err) };
}

/** @param {string} file @param {string} level @param {unknown[]} args */
function log(file, level, args) {
  post({ t: 'log', id: jobContext.getStore(), file, level, text: format(...args) });
}

/**
 * An exception thrown outside the call stack of a run (in a timer): it fails its own run if that is still
 * going, otherwise it is reported as a log line of that run. It never touches another job.
 * @param {number | undefined} jobId @param {string} file @param {unknown} err
 */
function thrownLater(jobId, file, err) {
  const fail = jobId === undefined ? undefined : failRunning.get(jobId);
  if (fail) fail(err);
  else post({ t: 'log', id: jobId, file, level: 'error', text: `uncaught after the run ended: ${describeError(err).message}` });
}

/**
 * Timer functions for the sandbox that catch what their callbacks throw (see thrownLater).
 * @template {(...args: any[]) => any} T
 * @param {T} schedule @param {string} file @returns {T}
 */
function guarded(schedule, file) {
  return /** @type {T} */ (
    (/** @type {unknown} */ fn, /** @type {unknown[]} */ ...rest) => {
      if (typeof fn !== 'function') return schedule(fn, ...rest);
      const jobId = jobContext.getStore();
      return schedule((/** @type {unknown[]} */ ...args) => {
        try {
          return fn(...args);
        } catch (err) {
          thrownLater(jobId, file, err);
        }
      }, ...rest);
    }
  );
}

// Last resorts: an exception user code throws later never ends the worker or fails another job.
process.on('uncaughtException', (err) => thrownLater(jobContext.getStore(), '-', err));
process.on('unhandledRejection', (reason) => thrownLater(jobContext.getStore(), '-', reason));
// Node's own warnings (a deprecated API a module uses) reach the log of the run that caused them; the worker
// starts with --no-warnings, so they are not also printed on stderr.
process.on('warning', (warning) => log('-', 'warn', [`${warning.name}: ${warning.message}`]));
// The worker's stdout is not connected: what modules the code requires print goes to the log too.
for (const level of /** @type {const} */ (['log', 'info', 'warn', 'error', 'debug'])) {
  console[level] = (/** @type {unknown[]} */ ...args) => log('-', level, args);
}

/**
 * @typedef {{ file: string, name: string, hash: string, source?: string }} Script
 * @typedef {{ exported: any, parse: (text: string) => any, context: vm.Context, cache: Map<string, { value: string, expires: number }>, configuration?: { text: string, value: unknown } }} Loaded
 */

/** @type {Map<string, Loaded>} compiled files, by tenant, path and content hash */
const loaded = new Map();
/** @type {Map<string, string>} sources by path and content hash: the pool sends each one once */
const sources = new Map();
/** @type {Map<string, vm.Context>} one context for all of a tenant's rules: Auth0 ran them as one webtask */
const ruleContexts = new Map();

/** @param {string} file */
function newContext(file) {
  const context = vm.createContext({
    setTimeout: guarded(setTimeout, file),
    clearTimeout,
    setInterval: guarded(setInterval, file),
    clearInterval,
    setImmediate: guarded(setImmediate, file),
    clearImmediate,
    queueMicrotask: guarded(queueMicrotask, file),
    structuredClone,
    Buffer,
    URL,
    URLSearchParams,
    TextEncoder,
    TextDecoder,
    AbortController,
    fetch,
    atob,
    btoa,
    crypto: globalThis.crypto,
    UnauthorizedError,
    InvalidScopeError,
    InvalidRequestError,
    ServerError,
  });
  // Auth0's `global`: an object that outlives one execution (per container there, per worker here).
  context.global = context;
  return context;
}

/** @param {string} tenant @param {Script} script @param {boolean} [rule] @returns {Loaded} */
function load(tenant, script, rule = false) {
  const key = `${tenant}\n${script.file}\n${script.hash}`;
  const cached = loaded.get(key);
  if (cached) return cached;
  const source = sources.get(`${script.file}\n${script.hash}`);
  if (source === undefined) throw new Error(`the source of ${script.name} was not sent to this worker`);
  const consoleProxy = Object.fromEntries(
    ['log', 'info', 'warn', 'error', 'debug'].map((level) => [level, (/** @type {unknown[]} */ ...args) => log(script.name, level, args)]),
  );
  let context = rule ? ruleContexts.get(tenant) : undefined;
  if (!context) {
    context = newContext(script.name);
    context.console = consoleProxy;
    if (rule) ruleContexts.set(tenant, context);
  }
  const { script: compiled, expression } = compileExtension(source, script.file);
  const wrapper = compiled.runInContext(context);
  const module = { exports: {} };
  const value = wrapper.call(module.exports, module.exports, createRequire(script.file), module, script.file, dirname(script.file), consoleProxy);
  const entry = { exported: expression ? value : module.exports, parse: vm.runInContext('JSON.parse', context), context, cache: new Map() };
  loaded.set(key, entry);
  return entry;
}

/**
 * Calls a callback-style function and settles on its first callback; a second call is ignored with a warning.
 * @param {string} file
 * @param {(cb: (err?: unknown, ...results: unknown[]) => void) => unknown} invoke
 * @returns {Promise<unknown[]>}
 */
function viaCallback(file, invoke) {
  return new Promise((resolve, reject) => {
    let called = false;
    /** @param {unknown} [err] @param {unknown[]} results */
    const cb = (err, ...results) => {
      if (called) {
        log(file, 'warn', ['callback was called more than once; the extra call was ignored']);
        return;
      }
      called = true;
      if (err) reject(err);
      else resolve(results);
    };
    try {
      const returned = invoke(cb);
      if (returned && typeof (/** @type {Promise<unknown>} */ (returned).then) === 'function') {
        /** @type {Promise<unknown>} */ (returned).catch((err) => cb(err ?? new Error('rejected')));
      }
    } catch (err) {
      if (called) log(file, 'warn', [`threw after calling back: ${describeError(err).message}`]);
      else cb(err ?? new Error('threw'));
    }
  });
}

/** @param {Loaded} entry @param {Script} script */
function exportedFunction(entry, script) {
  if (typeof entry.exported !== 'function') throw new TypeError(`${script.name} must be a function or export one (module.exports = function …)`);
  return entry.exported;
}

/** Rules: `function (user, context, callback)`, in order; each gets what the previous one passed on. */
/** @param {any} job */
async function runRules(job) {
  /** @type {string} */
  let userText = job.input[0];
  /** @type {string} */
  let contextText = job.input[1];
  /** @type {any} */
  let context;
  const steps = [];
  const scripts = /** @type {Script[]} */ (job.scripts);
  for (let i = 0; i < scripts.length; i++) {
    const script = /** @type {Script} */ (scripts[i]);
    const entry = load(job.tenant, script, true);
    // Parsed again only when it changed (a reload), or when a rule replaced the global.
    if (entry.configuration?.text !== job.configuration || entry.context.configuration !== entry.configuration?.value) {
      entry.configuration = { text: job.configuration, value: Object.freeze(entry.parse(job.configuration)) };
      entry.context.configuration = entry.configuration.value;
    }
    const fn = exportedFunction(entry, script);
    const u = entry.parse(userText);
    const c = entry.parse(contextText);
    const [nextUser, nextContext] = await viaCallback(script.name, (cb) => fn(u, c, cb));
    if (i < scripts.length - 1) userText = JSON.stringify(nextUser ?? u);
    contextText = JSON.stringify(nextContext ?? c);
    context = JSON.parse(contextText);
    steps.push({ file: script.name, accessToken: context.accessToken ?? {}, idToken: context.idToken ?? {} });
  }
  return { steps, redirect: context?.redirect ?? null, multifactor: context?.multifactor ?? null };
}

/** Webtask hooks: one function, callback style; the callback's second argument is the result. */
/** @param {any} job */
async function runHook(job) {
  const script = job.scripts[0];
  const entry = load(job.tenant, script);
  const fn = exportedFunction(entry, script);
  // An argument that is undefined arrives as null (IPC carries JSON): a JSON text is never null.
  const args = job.input.map((/** @type {string | null} */ text) => (text == null ? undefined : entry.parse(text)));
  const [result] = await viaCallback(script.name, (cb) => fn(...args, cb));
  return { file: script.name, result: plain(result ?? null) };
}

/**
 * Actions: `exports.onExecute<Trigger> = async (event, api) => {}`. The `api` records operations;
 * `api.access.deny` stops the remaining Actions, and so does `api.redirect.sendUserTo` where the job says a
 * redirect is possible.
 * @param {any} job
 */
async function runActions(job) {
  const handlerName = job.kind === 'actions-post-login' ? 'onExecutePostLogin' : 'onExecuteCredentialsExchange';
  /** @type {Record<string, unknown>[]} */
  const ops = [];
  const scripts = /** @type {Script[]} */ (job.scripts);
  for (let index = 0; index < scripts.length; index++) {
    const script = /** @type {Script} */ (scripts[index]);
    const entry = load(job.tenant, script);
    // Back from a redirect, the Action that redirected goes on in its onContinuePostLogin (Auth0).
    const name = job.continued === true && index === 0 ? 'onContinuePostLogin' : handlerName;
    const handler = entry.exported && entry.exported[name];
    if (typeof handler !== 'function') {
      log(script.name, 'warn', [`exports.${name} is not a function; this Action was skipped`]);
      continue;
    }
    let denied = false;
    let redirected = false;
    /** @param {Record<string, unknown>} op */
    const record = (op) => {
      ops.push({ file: script.name, ...op });
      return api;
    };
    const now = () => Date.now();
    /** @type {Record<string, any>} */
    const api = {
      access: {
        /** @param {...unknown} args */
        deny: (...args) => {
          denied = true;
          return job.kind === 'actions-post-login'
            ? record({ op: 'deny', reason: String(args[0] ?? '') })
            : record({ op: 'deny', code: String(args[0] ?? ''), reason: String(args[1] ?? '') });
        },
      },
      accessToken: {
        /** @param {string} key @param {unknown} value */
        setCustomClaim: (key, value) => record({ op: 'accessToken.claim', key: String(key), value: plain(value) ?? null }),
        /** @param {string} scope */
        addScope: (scope) => record({ op: 'accessToken.addScope', value: String(scope) }),
        /** @param {string} scope */
        removeScope: (scope) => record({ op: 'accessToken.removeScope', value: String(scope) }),
      },
      idToken: {
        /** @param {string} key @param {unknown} value */
        setCustomClaim: (key, value) => record({ op: 'idToken.claim', key: String(key), value: plain(value) ?? null }),
      },
      user: {
        /** @param {string} key @param {unknown} value */
        setAppMetadata: (key, value) => record({ op: 'user.appMetadata', key: String(key), value: plain(value) ?? null }),
        /** @param {string} key @param {unknown} value */
        setUserMetadata: (key, value) => record({ op: 'user.userMetadata', key: String(key), value: plain(value) ?? null }),
      },
      multifactor: {
        /** @param {string} provider */
        enable: (provider) => record({ op: 'multifactor', provider: String(provider) }),
      },
      redirect: {
        canRedirect: () => job.canRedirect === true,
        /** @param {string} url @param {{ query?: Record<string, unknown> }} [options] */
        sendUserTo: (url, options) => {
          redirected = true;
          const query = Object.entries(options?.query ?? {});
          if (query.length === 0) return record({ op: 'redirect', url: String(url), index });
          const target = new URL(String(url));
          for (const [key, value] of query) target.searchParams.set(key, String(value));
          return record({ op: 'redirect', url: target.toString(), index });
        },
      },
      cache: {
        /** @param {string} key */
        get: (key) => {
          const hit = entry.cache.get(String(key));
          return hit && hit.expires > now() ? { value: hit.value } : undefined;
        },
        /** @param {string} key @param {unknown} value @param {{ ttl?: number }} [options] */
        set: (key, value, options) => {
          entry.cache.set(String(key), { value: String(value), expires: now() + (options?.ttl ?? 15 * 60_000) });
          return { type: 'success' };
        },
        /** @param {string} key */
        delete: (key) => {
          entry.cache.delete(String(key));
          return { type: 'success' };
        },
      },
    };
    const event = entry.parse(job.input[0]);
    await handler(event, api);
    // Where a redirect is possible, the flow is suspended after the Action that asked for it (Auth0).
    if (denied || (redirected && job.canRedirect === true)) break;
  }
  return { ops };
}

/** @type {Record<string, (job: any) => Promise<unknown>>} */
const runners = {
  rules: runRules,
  'hook-credentials-exchange': runHook,
  'hook-password-exchange': runHook,
  'actions-post-login': runActions,
  'actions-credentials-exchange': runActions,
};

/** @param {any} job */
function runJob(job) {
  jobContext.run(job.id, async () => {
    /** @type {Promise<never>} */
    const failedLater = new Promise((_, reject) => failRunning.set(job.id, reject));
    try {
      for (const script of job.scripts) if (script.source !== undefined) sources.set(`${script.file}\n${script.hash}`, script.source);
      const run = runners[job.kind];
      if (!run) throw new Error(`unknown job kind ${job.kind}`);
      const result = JSON.stringify(await Promise.race([run(job), failedLater]));
      if (!cancelled.delete(job.id)) post({ t: 'done', id: job.id, result });
    } catch (err) {
      if (!cancelled.delete(job.id)) post({ t: 'error', id: job.id, error: describeError(err) });
    } finally {
      failRunning.delete(job.id);
    }
  });
}

/** Jobs received and not started yet (see the top of this file). @type {Map<number, any>} */
const waiting = new Map();

process.on('message', (/** @type {any} */ message) => {
  if (message.t === 'job') {
    waiting.set(message.id, message);
    setImmediate(() => {
      const job = waiting.get(message.id);
      if (!job) return;
      waiting.delete(message.id);
      post({ t: 'started', id: job.id });
      runJob(job);
    });
  } else if (message.t === 'ping') post({ t: 'pong' });
  else if (message.t === 'cancel') {
    if (waiting.delete(message.id)) return;
    const fail = failRunning.get(message.id);
    if (fail) {
      cancelled.add(message.id);
      fail(new Error('cancelled'));
    }
  }
});
post({ t: 'ready' });
