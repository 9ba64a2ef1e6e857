#!/usr/bin/env node
/** The `omnitrail` executable: runs the command line and exits with its code. */
import { processIo, runCli } from './cli/index.js';

// `omnitrail replay … | head` closes the pipe early: the reader has what it wanted, so end quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const code = await runCli(process.argv.slice(2), processIo());
process.exitCode = code;
