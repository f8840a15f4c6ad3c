// Memory figures for tests that bound what code keeps.
//
// process.memoryUsage() counts garbage the collector has not reached yet, and on
// a busy machine V8 may let 100 MB or more pile up before it runs; a bound on
// raw heapUsed then fails by timing, not by a leak. These helpers run a full
// collection first, so a figure is what is still referenced.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// The flag must be set before a context asks for gc; a new context then has it.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Runs a full garbage collection. */
export function collectGarbage(): void {
  gc();
}

/** heapUsed and arrayBuffers after a full collection: what is still referenced. */
export function retainedMemory(): { heap: number; buffers: number } {
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers };
}
