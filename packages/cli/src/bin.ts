#!/usr/bin/env node
/** The `omnitrail` executable: runs the command line and exits with its code. */
import { processIo, runCli } from './cli/index.js';

const code = await runCli(process.argv.slice(2), processIo());
process.exitCode = code;
