// Every CLI command, in the order `kafkawire --help` lists them. A new
// command is one module exporting a Command, added here.
import type { Command } from '../cli.js';
import { acls } from './acls.js';
import { check } from './check.js';
import { configs } from './configs.js';
import { consume } from './consume.js';
import { get } from './get.js';
import { groups } from './groups.js';
import { offsets } from './offsets.js';
import { perf } from './perf.js';
import { produce } from './produce.js';
import { topics } from './topics.js';

export const COMMANDS: Command[] = [produce, consume, get, topics, groups, offsets, configs, acls, check, perf];
