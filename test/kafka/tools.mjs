// Runs the downloaded Kafka's own Java command-line tools (topic admin, console
// producer and consumer, perf tools) as an independent oracle for kafkawire.
import { spawn } from 'node:child_process';
import path from 'node:path';

/** Main classes of the tools, for Kafka 4.x (3.9 has the same for these). */
export const TOOLS = {
  topics: 'org.apache.kafka.tools.TopicCommand',
  consoleProducer: 'org.apache.kafka.tools.ConsoleProducer',
  consoleConsumer: 'org.apache.kafka.tools.consumer.ConsoleConsumer',
  producerPerf: 'org.apache.kafka.tools.ProducerPerformance',
  consumerGroups: 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
};

/**
 * Runs one tool to completion and resolves to its standard output; rejects
 * with both streams when it exits non-zero or outlives timeoutMs.
 * @param {string} libs folder of the Kafka jars
 * @param {string} mainClass
 * @param {string[]} args
 * @param {{ input?: string | Buffer, timeoutMs?: number }} [opts]
 * @returns {Promise<string>}
 */
export function runKafkaTool(libs, mainClass, args, opts = {}) {
  const { input, timeoutMs = 120_000 } = opts;
  return new Promise((resolve, reject) => {
    const child = spawn('java', ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-Dlog4j2.level=WARN', '-Dfile.encoding=UTF-8', '-Dstdout.encoding=UTF-8', '-Dsun.stdout.encoding=UTF-8', '-cp', path.join(libs, '*'), mainClass, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${mainClass} ${args.join(' ')} did not finish within ${timeoutMs} ms\n${err}`));
    }, timeoutMs);
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${mainClass} ${args.join(' ')} exited ${code}\nstdout:\n${out}\nstderr:\n${err}`));
    });
    child.stdin.end(input ?? '');
  });
}
