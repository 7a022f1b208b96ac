#!/usr/bin/env node
/**
 * The command line. This file parses the arguments and imports the one command asked for
 * (src/cli/commands/<name>.ts): `--help`, `--version` and `logs` never load the config or the emulator.
 * Only the CLI's modules touch `process` and `console`; everything else is the programmatic API.
 */
import { fail, parseCommandLine, type Values } from './cli/args.js';
import { HELP, VERSION } from './cli/help.js';

const COMMANDS: Record<string, () => Promise<{ run(values: Values): Promise<void> }>> = {
  start: () => import('./cli/commands/start.js'),
  check: () => import('./cli/commands/check.js'),
  init: () => import('./cli/commands/init.js'),
  schema: () => import('./cli/commands/schema.js'),
  logs: () => import('./cli/commands/logs.js'),
  token: () => import('./cli/commands/token.js'),
  ca: () => import('./cli/commands/ca.js'),
};

const { values, positionals } = parseCommandLine(process.argv.slice(2));
const command = positionals[0] ?? 'start';
if (values.help || command === 'help') console.log(HELP);
else if (values.version) console.log(VERSION);
else if (positionals.length > 1) fail(`Unexpected argument "${positionals[1]}". Run auth-emulator --help.`);
else if (!Object.hasOwn(COMMANDS, command)) fail(`Unknown command "${command}". Run auth-emulator --help.`);
else await (await COMMANDS[command]!()).run(values);
