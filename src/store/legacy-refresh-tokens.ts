/**
 * Refresh tokens kept by earlier versions, read once into the store, then removed: `refresh-tokens.jsonl`
 * (a log of `{put, record}`, `{del}` and `{clear}` lines) and, before it, `refresh-tokens.json`
 * (`{ tokens: { id: record } }`). Their ids are already SHA-256s of the tokens, so the tokens stay valid.
 * A damaged file starts the emulator with what could be read, as those versions did.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { stateError } from './state-error.js';
import { readIfThere, removeStaleTemps } from './fs-util.js';
import type { RefreshRecord, RefreshTokens } from './refresh-tokens.js';

export async function importLegacyRefreshTokens(dir: string, tokens: RefreshTokens): Promise<void> {
  const log = join(dir, 'refresh-tokens.jsonl');
  const json = join(dir, 'refresh-tokens.json');
  const read = (file: string) =>
    readIfThere(file).catch((err: unknown) => {
      throw stateError(dir, file, err);
    });
  await removeStaleTemps(log).catch((err: unknown) => {
    throw stateError(dir, dir, err);
  });
  const logText = await read(log);
  // The log replaced the JSON file, which was only read when there was no log.
  const jsonText = logText === undefined ? await read(json) : undefined;
  if (logText === undefined && jsonText === undefined) return;
  const records = new Map<string, RefreshRecord>();
  if (logText !== undefined) replayLog(logText, records);
  else readJson(jsonText!, records);
  // In the order they were issued (the oldest leave first past the 200), in one write.
  await Promise.all([...records].map(([id, record]) => tokens.restore(id, record)));
  await Promise.all([rm(log, { force: true }), rm(json, { force: true })]);
}

function replayLog(text: string, records: Map<string, RefreshRecord>): void {
  for (const line of text.split('\n')) {
    let change: unknown;
    try {
      change = JSON.parse(line);
    } catch {
      continue; // an empty line, or one cut short by a crash
    }
    if (typeof change !== 'object' || change === null) continue;
    const c = change as Partial<{ put: unknown; record: unknown; del: unknown; clear: unknown }>;
    if (typeof c.put === 'string' && isRecord(c.record)) records.set(c.put, c.record);
    else if (typeof c.del === 'string') records.delete(c.del);
    else if (c.clear === true) records.clear();
  }
}

function readJson(text: string, records: Map<string, RefreshRecord>): void {
  try {
    const saved = JSON.parse(text) as { tokens?: Record<string, unknown> };
    for (const [id, record] of Object.entries(saved.tokens ?? {})) if (isRecord(record)) records.set(id, record);
  } catch {
    // Unreadable: no refresh tokens.
  }
}

function isRecord(value: unknown): value is RefreshRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Partial<Record<keyof RefreshRecord, unknown>>;
  return typeof r.tenant === 'string' && typeof r.clientId === 'string' && typeof r.userId === 'string' && typeof r.family === 'string' && Array.isArray(r.scope);
}
