#!/usr/bin/env node
// The kafkawire command: runs the compiled CLI (npm run build writes dist/).
import { run } from '../dist/cli/main.js';

run(process.argv.slice(2));
