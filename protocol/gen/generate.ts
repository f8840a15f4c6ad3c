// Produces every generated file's path and text from protocol/messages, without
// writing anything: main.ts writes them, and a test compares them with the
// checked-in files.
import path from 'node:path';
import fs from 'node:fs';
import { emitApiTable, emitErrors, emitIndex, emitMessage, moduleName } from './emit.js';
import { loadAll, protocolDir } from './schema.js';

export const GENERATED_DIR = path.join(protocolDir(), '..', 'src', 'messages', 'generated');

export function generate(): Map<string, string> {
  const msgs = loadAll();
  const files = new Map<string, string>();
  for (const m of msgs) files.set(path.join(GENERATED_DIR, `${moduleName(m)}.ts`), emitMessage(m));
  files.set(path.join(GENERATED_DIR, 'index.ts'), emitIndex(msgs));
  files.set(path.join(GENERATED_DIR, 'apis.ts'), emitApiTable(msgs));
  const errors = JSON.parse(fs.readFileSync(path.join(protocolDir(), 'errors.json'), 'utf8')) as Array<{ code: number; name: string; retriable: boolean }>;
  files.set(path.join(GENERATED_DIR, 'error-codes.ts'), emitErrors(errors));
  return files;
}
