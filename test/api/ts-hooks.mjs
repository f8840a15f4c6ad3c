// Lets a plain `node` child process import the TypeScript sources directly
// (`node --import ./test/api/ts-hooks.mjs ...`), for tests that need a process of
// their own: one that must exit by itself, or must not die of an unhandled
// rejection. Types are stripped file by file with TypeScript's transpiler; no
// type checking, no build step.
import { register } from 'node:module';

register('./ts-loader.mjs', import.meta.url);
