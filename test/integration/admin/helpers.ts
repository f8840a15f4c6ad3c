// Shared by the Admin integration tests.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { runKafkaTool } from '../../kafka/tools.mjs';
import { kafka } from '../kafka.js';

/** Retries fn until it stops throwing (metadata reaches every broker a moment after a change), for at most timeoutMs. */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** i, 500)));
    }
  }
}

/** Java tools the shared TOOLS table does not list. */
export const JAVA = {
  configs: 'org.apache.kafka.tools.ConfigCommand',
  consumerGroups: 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
  consoleProducer: 'org.apache.kafka.tools.ConsoleProducer',
};

export function java(tool: keyof typeof JAVA, args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<string> {
  if (kafka.libs === null) throw new Error('no Kafka jars are available to run the Java tools');
  return runKafkaTool(kafka.libs, JAVA[tool], args, opts);
}

/** Writes lines to a partition with Kafka's console producer (independent of kafkawire's producer). */
export async function produceLines(topic: string, lines: string[], extra: string[] = []): Promise<void> {
  await java('consoleProducer', ['--bootstrap-server', kafka.bootstrap, '--topic', topic, ...extra], { input: lines.join('\n') + '\n' });
}

/** A Java console consumer in a group, left running until killed. */
export function javaConsumer(topic: string, group: string, protocol: 'classic' | 'consumer'): ChildProcess {
  const child = spawn('java', ['-Xmx192m', '-XX:TieredStopAtLevel=1', '-cp', path.join(kafka.libs!, '*'), 'org.apache.kafka.tools.consumer.ConsoleConsumer',
    '--bootstrap-server', kafka.bootstrap, '--topic', topic, '--group', group, '--consumer-property', `group.protocol=${protocol}`, '--consumer-property', 'client.id=java-console'], { stdio: 'ignore' });
  child.on('error', () => undefined);
  return child;
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

