import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig, type Config } from '../config.js';
import { systemClock } from '../clock.js';
import { assembleAppContext } from '../app-context.js';
import { loadServerKeys, type ServerKeys } from '../keys/server-keys.js';
import type { RegistryDeps } from '../registry/registry.js';
import { openStore, type KyselyStore } from '../store/kysely/store.js';

/** Where a command writes: results to stdout (one JSON object with --json), everything else to stderr. */
export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Options every command takes. */
export const COMMON = {
  db: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>): Parsed {
  try {
    return parseArgs({ args, options: { ...COMMON, ...options }, allowPositionals: true, strict: true }) as Parsed;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Prints a command's result: JSON with --json, else the human text. */
export function result(io: CliIO, json: boolean | undefined, value: unknown, human: string): void {
  io.out(json ? JSON.stringify(value) : human);
}

/** Opens the store named by --db / SHOPAUTH_DB (migrating it) with the registry's dependencies. */
export async function openRegistry(flags: { db?: string | undefined; 'secret-file'?: string | undefined }): Promise<{ config: Config; store: KyselyStore; keys: ServerKeys; deps: RegistryDeps }> {
  const config = loadConfig(flags);
  const store = await openStore(config.db);
  const keys = await loadServerKeys(store, config);
  return { config, store, keys, deps: assembleAppContext({ store, clock: systemClock, keys, lifetimes: config.lifetimes }) };
}

/** A string option's value, or undefined. */
export const str = (p: Parsed, name: string): string | undefined => {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
};

/** A required positional argument. */
export function arg(p: Parsed, index: number, name: string): string {
  const v = p.positionals[index];
  if (v === undefined) throw new UsageError(`missing ${name}`);
  return v;
}

/** A stored time (epoch ms) as ISO 8601 for output, null as null. */
export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
