#!/usr/bin/env node
// The kafkawire command: runs the built CLI (npm run build writes dist/bundle/).
import { run } from '../dist/bundle/main.js';

run(process.argv.slice(2));
