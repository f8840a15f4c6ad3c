// Fetches Apache Kafka's jars from Maven Central with Maven, once per version,
// into a cache folder outside the repository.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The Kafka lines the harness knows how to run, newest release of each that resolves. */
export const KAFKA_VERSIONS = /** @type {const} */ ({
  '4': '4.4.0',
  '3.9': '3.9.2',
});

/** Maps a version switch ("4", "3.9", or an exact "4.1.1") to an exact version. */
export function resolveVersion(wanted = process.env.KAFKA_VERSION ?? '4') {
  return /** @type {Record<string, string>} */ (KAFKA_VERSIONS)[wanted] ?? wanted;
}

export function cacheRoot() {
  const base = process.env.KAFKAWIRE_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'kafkawire');
  return base;
}

/** Kafka 4 logs through log4j2 and ships no SLF4J binding; Kafka 3.9 brings reload4j itself. */
function loggingDependency(version) {
  if (version.startsWith('3.')) return '';
  return `<dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>2.25.5</version></dependency>`;
}

function pom(version) {
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>kafkawire.test</groupId>
  <artifactId>kafka-dist</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${version}</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>${version}</version></dependency>
    ${loggingDependency(version)}
  </dependencies>
</project>
`;
}

export class PrerequisiteError extends Error {}

function requireTool(cmd, args, what) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new PrerequisiteError(
      `${what} was not found ('${cmd} ${args.join(' ')}' failed: ${r.error?.message ?? r.stderr?.trim() ?? 'exit ' + r.status}). ` +
        `The integration tests download and run Apache Kafka, which needs Java 17+ and Maven on the PATH. ` +
        `Install them (Debian: apt-get install openjdk-17-jre-headless maven), or point the tests at a running cluster ` +
        `with KAFKA_BOOTSTRAP=host:port[,host:port...].`,
    );
  }
  return `${r.stdout}${r.stderr}`;
}

/** Java's major version from `java -version`, e.g. 17. */
export function javaMajor() {
  const out = requireTool('java', ['-version'], 'Java');
  const m = /version "(\d+)(?:\.(\d+))?/.exec(out);
  const major = m ? Number(m[1] === '1' ? m[2] : m[1]) : 0;
  if (major < 17) throw new PrerequisiteError(`Java ${major} found, Kafka 4 needs Java 17 or newer (java -version said: ${out.split('\n')[0]}).`);
  return major;
}

/**
 * Returns the folder holding every jar of that Kafka version, downloading it
 * first when the cache does not have it. A marker file is written last, so an
 * interrupted download is redone rather than half-used.
 */
export function ensureKafka(version = resolveVersion(), log = (/** @type {string} */ m) => console.error(m)) {
  const dir = path.join(cacheRoot(), `kafka-${version}`);
  const libs = path.join(dir, 'libs');
  const marker = path.join(dir, '.complete');
  if (fs.existsSync(marker)) return libs;
  javaMajor();
  requireTool('mvn', ['-v'], 'Maven');
  // Two processes (the unit tests' Java oracle, the cluster setup) may ask at once: one downloads, the other waits.
  const lock = `${dir}.lock`;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (e) {
      if (/** @type {NodeJS.ErrnoException} */ (e).code !== 'EEXIST') throw e;
      if (fs.existsSync(marker)) return libs;
      const age = Date.now() - fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs;
      if (age > 15 * 60_000) fs.rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new PrerequisiteError(`another process has been downloading Kafka ${version} into ${dir} for 15 minutes (lock ${lock})`);
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
  }
  try {
    if (fs.existsSync(marker)) return libs;
    download(version, dir, libs, marker, log);
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
  return libs;
}

function download(version, dir, libs, marker, log) {
  log(`kafkawire: downloading Apache Kafka ${version} from Maven Central into ${dir} (once)`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'pom.xml'), pom(version));
  const r = spawnSync(
    'mvn',
    ['-q', '-B', '-f', path.join(dir, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${libs}`, '-DincludeScope=runtime'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (r.status !== 0) {
    throw new PrerequisiteError(
      `Maven could not download org.apache.kafka:kafka_2.13:${version} (exit ${r.status}).\n${r.stdout}\n${r.stderr}\n` +
        `Check that Maven Central is reachable, or set KAFKA_BOOTSTRAP to use a running cluster.`,
    );
  }
  fs.writeFileSync(marker, new Date().toISOString() + '\n');
}
