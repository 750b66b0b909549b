#!/usr/bin/env node
// Thin launcher: everything, including argument parsing, lives in src/cli.
import { main } from '../dist/cli/index.js';

main(process.argv);
