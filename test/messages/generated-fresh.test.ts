import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate, GENERATED_DIR } from '../../protocol/gen/generate.js';

describe('src/messages/generated', () => {
  const files = generate();
  it('holds exactly the files the generator writes (run `npm run gen` after changing protocol/)', () => {
    const onDisk = fs.readdirSync(GENERATED_DIR).map((f) => path.join(GENERATED_DIR, f)).sort();
    expect(onDisk).toEqual([...files.keys()].sort());
  });
  it('matches what the generator produces now, file by file', () => {
    const stale = [...files].filter(([file, text]) => fs.readFileSync(file, 'utf8') !== text).map(([file]) => path.basename(file));
    expect(stale, 'stale generated files: run `npm run gen`').toEqual([]);
  });
});
