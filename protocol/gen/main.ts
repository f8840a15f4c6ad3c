// `npm run gen`: rewrites src/messages/generated/ from protocol/messages/.
import fs from 'node:fs';
import { generate, GENERATED_DIR } from './generate.js';

const files = generate();
fs.rmSync(GENERATED_DIR, { recursive: true, force: true });
fs.mkdirSync(GENERATED_DIR, { recursive: true });
for (const [file, text] of files) fs.writeFileSync(file, text);
console.log(`wrote ${files.size} files to ${GENERATED_DIR}`);
