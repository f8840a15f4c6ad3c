// A one-broker Kafka from before KRaft, with its ZooKeeper, for the tests of
// what older brokers answer (Kafka 2.3: no KIP-511 ApiVersions fallback
// ranges, CreateTopics v3, ListGroups v2, TxnOffsetCommit v2). The Java 4
// client supports brokers from 2.1, so kafkawire must too.
// ZooKeeper 3.4's client cannot connect under Java 17, so the 3.5 jars stand
// in for the 3.4 ones Kafka 2.3 names (Kafka 2.4+ ships 3.5 itself).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { cacheRoot, javaMajor, PrerequisiteError } from './download.mjs';

export const ZOOKEEPER_KAFKA_VERSION = '2.3.1';

function pom(version) {
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>kafkawire.test</groupId>
  <artifactId>kafka-zk-dist</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId><artifactId>kafka_2.12</artifactId><version>${version}</version>
      <exclusions><exclusion><groupId>org.apache.zookeeper</groupId><artifactId>zookeeper</artifactId></exclusion></exclusions>
    </dependency>
    <dependency><groupId>org.apache.zookeeper</groupId><artifactId>zookeeper</artifactId><version>3.5.9</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-log4j12</artifactId><version>1.7.26</version></dependency>
  </dependencies>
</project>
`;
}

/** The jars of that Kafka version with ZooKeeper 3.5, downloaded once into the cache. */
export function ensureZookeeperKafka(version = ZOOKEEPER_KAFKA_VERSION, log = (/** @type {string} */ m) => console.error(m)) {
  const dir = path.join(cacheRoot(), `kafka-${version}-zk`);
  const libs = path.join(dir, 'libs');
  const marker = path.join(dir, '.complete');
  if (fs.existsSync(marker)) return libs;
  javaMajor();
  log(`kafkawire: downloading Apache Kafka ${version} and ZooKeeper 3.5.9 from Maven Central into ${dir} (once)`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'pom.xml'), pom(version));
  const r = spawnSync('mvn', ['-q', '-B', '-f', path.join(dir, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${libs}`, '-DincludeScope=runtime'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status !== 0) throw new PrerequisiteError(`Maven could not download Kafka ${version} with ZooKeeper 3.5.9 (exit ${r.status}).\n${r.stdout}\n${r.stderr}`);
  fs.writeFileSync(marker, new Date().toISOString() + '\n');
  return libs;
}

/**
 * Resolves when the process prints a line matching `ready` (its log line for
 * having started); rejects if it exits first or the startup deadline passes.
 */
function waitForLine(proc, ready, deadline, what) {
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: proc.p.stdout });
    const done = (err) => {
      clearTimeout(timer);
      lines.close();
      proc.p.off('exit', onExit);
      if (err) reject(err);
      else resolve();
    };
    const onExit = (code, signal) => done(new Error(`${what} exited (${code ?? signal}) before it was ready`));
    const timer = setTimeout(() => done(new Error(`${what} was not ready within the startup timeout`)), Math.max(0, deadline - Date.now()));
    lines.on('line', (line) => {
      if (ready.test(line)) done(null);
    });
    proc.p.once('exit', onExit);
  });
}

/**
 * Starts ZooKeeper on basePort and one Kafka broker on basePort + 1, in a
 * temporary folder named like the other test clusters (so CI's check for
 * leftover Kafka JVMs covers it). Resolves to { bootstrap, version, dir, stop }.
 */
export async function startZookeeperKafka({ basePort, version = ZOOKEEPER_KAFKA_VERSION, log = (/** @type {string} */ m) => console.error(m), startupMs = 120_000 }) {
  const libs = ensureZookeeperKafka(version, log);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafkawire-cluster-zk-'));
  const zkPort = basePort;
  const port = basePort + 1;
  fs.writeFileSync(path.join(dir, 'log4j.properties'), [
    'log4j.rootLogger=WARN, f',
    // The two lines that say a process is ready also go to its stdout, where startZookeeperKafka waits for them.
    'log4j.logger.org.apache.zookeeper.server.NIOServerCnxnFactory=INFO, out',
    'log4j.logger.kafka.server.KafkaServer=INFO, out',
    'log4j.appender.out=org.apache.log4j.ConsoleAppender',
    'log4j.appender.out.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.out.layout.ConversionPattern=%m%n',
    'log4j.appender.f=org.apache.log4j.FileAppender',
    `log4j.appender.f.File=${path.join(dir, 'server.log')}`,
    'log4j.appender.f.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.f.layout.ConversionPattern=[%d] %p %m (%c)%n',
    '',
  ].join('\n'));
  fs.writeFileSync(path.join(dir, 'server.properties'), [
    'broker.id=1',
    `listeners=PLAINTEXT://127.0.0.1:${port}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    `log.dirs=${path.join(dir, 'kafka')}`,
    `zookeeper.connect=127.0.0.1:${zkPort}`,
    'zookeeper.connection.timeout.ms=60000',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=3',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=3',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'file.delete.delay.ms=1000',
    '',
  ].join('\n'));
  const java = (main, args, name) => {
    const out = fs.createWriteStream(path.join(dir, `${name}.out`), { flags: 'a' });
    const p = spawn('java', ['-Xmx256m', '-Xss1m', '-Dzookeeper.admin.enableServer=false', `-Dlog4j.configuration=file:${path.join(dir, 'log4j.properties')}`, '-cp', path.join(libs, '*'), main, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    p.stdout.pipe(out);
    p.stderr.pipe(out);
    let exit = null;
    p.once('exit', (code, signal) => (exit = `exit ${code ?? signal}`));
    return { p, exited: () => exit };
  };
  const procs = [];
  const stop = async () => {
    // The broker first (it would wait for ZooKeeper otherwise), then ZooKeeper; each gets 15 s before SIGKILL.
    for (const { p, exited } of procs.splice(0).reverse()) {
      if (exited()) continue;
      p.kill('SIGTERM');
      const gone = await Promise.race([new Promise((r) => p.once('exit', () => r(true))), new Promise((r) => setTimeout(() => r(false), 15_000).unref())]);
      if (!gone) p.kill('SIGKILL');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + startupMs;
    const zk = java('org.apache.zookeeper.server.ZooKeeperServerMain', [String(zkPort), path.join(dir, 'zookeeper')], 'zookeeper');
    procs.push(zk);
    await waitForLine(zk, new RegExp(`binding to port .*:${zkPort}$`), deadline, `ZooKeeper (logs in ${dir})`);
    const kafka = java('kafka.Kafka', [path.join(dir, 'server.properties')], 'kafka');
    procs.push(kafka);
    await waitForLine(kafka, /\[KafkaServer id=1\] started/, deadline, `Kafka ${version} (logs in ${dir})`);
  } catch (e) {
    const tail = ['kafka.out', 'zookeeper.out', 'server.log']
      .map((f) => path.join(dir, f))
      .filter((f) => fs.existsSync(f))
      .map((f) => `--- ${path.basename(f)}\n${fs.readFileSync(f, 'utf8').split('\n').slice(-15).join('\n')}`)
      .join('\n');
    await stop();
    throw new Error(`${/** @type {Error} */ (e).message}\n${tail}`);
  }
  log(`kafkawire: Kafka ${version} with ZooKeeper, 1 broker ready at 127.0.0.1:${port}`);
  return { bootstrap: `127.0.0.1:${port}`, version, dir, stop };
}
