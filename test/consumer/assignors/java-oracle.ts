/**
 * Starts AssignorOracle.java (compiled with javac into a temp folder against
 * the kafka-clients jar of the downloaded Kafka) once, and sends it requests
 * one at a time. Without java/javac or the jars, `startOracle` returns the
 * reason to skip; under CI=true it throws instead, so CI never skips.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { cacheRoot, ensureKafka, resolveVersion } from '../../kafka/download.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export interface Oracle {
  call(request: object): Promise<{ ok: boolean; result?: unknown; error?: string }>;
  close(): void;
}

function classpath(libs: string): string {
  const jars = fs.readdirSync(libs);
  const pick = (re: RegExp): string => {
    const jar = jars.find((j) => re.test(j));
    if (jar === undefined) throw new Error(`no jar matching ${re} in ${libs}`);
    return path.join(libs, jar);
  };
  // Only what the oracle needs: no SLF4J binding, so the assignors' log lines go nowhere.
  return [
    pick(/^kafka-clients-[\d.]+\.jar$/),
    pick(/^jackson-databind-.*\.jar$/),
    pick(/^jackson-core-.*\.jar$/),
    pick(/^jackson-annotations-.*\.jar$/),
    pick(/^slf4j-api-.*\.jar$/),
  ].join(path.delimiter);
}

function skipOrThrow(reason: string): string {
  if (process.env.CI === 'true') throw new Error(`${reason} (CI=true: the Java equality tests must run)`);
  return reason;
}

/**
 * The Kafka jars. When another process (the integration tests' global setup
 * in the same `npm test`) is downloading them right now, waits for it
 * instead of starting a second download into the same folder.
 */
async function kafkaLibs(): Promise<string> {
  const version = resolveVersion('4');
  const dir = path.join(cacheRoot(), `kafka-${version}`);
  const deadline = Date.now() + 300_000;
  while (fs.existsSync(dir) && !fs.existsSync(path.join(dir, '.complete')) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
  }
  return ensureKafka(version, (m: string) => console.warn(m));
}

/** The running oracle, or the reason it cannot run here. */
export async function startOracle(): Promise<Oracle | string> {
  for (const tool of ['java', 'javac']) {
    const r = spawnSync(tool, ['-version'], { encoding: 'utf8' });
    if (r.error || r.status !== 0) return skipOrThrow(`${tool} is not on the PATH (${r.error?.message ?? `exit ${r.status}`}); install a JDK 17+`);
  }
  let libs: string;
  try {
    libs = await kafkaLibs();
  } catch (e) {
    return skipOrThrow(`the Kafka jars are not available: ${(e as Error).message}`);
  }
  const cp = classpath(libs);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafkawire-oracle-'));
  const javac = spawnSync('javac', ['-nowarn', '-d', dir, '-cp', cp, path.join(HERE, 'AssignorOracle.java')], { encoding: 'utf8' });
  if (javac.status !== 0) throw new Error(`javac failed on AssignorOracle.java:\n${javac.stdout}${javac.stderr}`);

  const child: ChildProcessWithoutNullStreams = spawn(
    'java',
    ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-cp', [dir, cp].join(path.delimiter), 'AssignorOracle'],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const waiting: Array<{ resolve: (v: { ok: boolean; result?: unknown; error?: string }) => void; reject: (e: Error) => void }> = [];
  let exited: Error | null = null;
  child.on('exit', (code, signal) => {
    exited = new Error(`AssignorOracle exited (${code ?? signal}); stderr:\n${stderr}`);
    for (const w of waiting.splice(0)) w.reject(exited);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  child.on('error', (e) => {
    exited = e;
    for (const w of waiting.splice(0)) w.reject(e);
  });
  const lines = readline.createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    if (!line.startsWith('@@ ')) return;
    const w = waiting.shift();
    try {
      w?.resolve(JSON.parse(line.slice(3)) as { ok: boolean; result?: unknown; error?: string });
    } catch (e) {
      // A line that is not JSON fails that call with what was read, instead of throwing in this listener.
      w?.reject(new Error(`AssignorOracle printed a line that is not JSON (${(e as Error).message}): ${JSON.stringify(line.slice(0, 500))}`));
    }
  });

  return {
    call(request) {
      if (exited) return Promise.reject(exited);
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        child.stdin.write(JSON.stringify(request) + '\n');
      });
    },
    close() {
      child.stdin.end();
      if (child.exitCode === null) child.kill();
    },
  };
}
