/**
 * The classic group protocol's assignors and ConsumerProtocol bytes.
 * `assignorByName` accepts Java's names ('range', 'roundrobin',
 * 'cooperative-sticky') and Java's class names, so a
 * partition.assignment.strategy from a Java properties file works.
 */
import { KafkaConfigError } from '../../errors.js';
import type { Assignor } from './types.js';
import { RangeAssignor } from './range.js';
import { RoundRobinAssignor } from './roundrobin.js';
import { CooperativeStickyAssignor } from './cooperative-sticky.js';

export type { Assignor, MemberAssignment, MemberSubscription, RebalanceProtocol, TopicDescription } from './types.js';
export { RangeAssignor } from './range.js';
export { RoundRobinAssignor } from './roundrobin.js';
export { CooperativeStickyAssignor } from './cooperative-sticky.js';
export { StickyAssignmentError } from './sticky-common.js';
export {
  CONSUMER_PROTOCOL_MAX_VERSION,
  CONSUMER_PROTOCOL_TYPE,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  type DecodedAssignment,
  type DecodedSubscription,
} from './consumer-protocol.js';

const FACTORIES: ReadonlyArray<{ names: readonly string[]; make: () => Assignor }> = [
  { names: ['range', 'org.apache.kafka.clients.consumer.RangeAssignor'], make: () => new RangeAssignor() },
  { names: ['roundrobin', 'org.apache.kafka.clients.consumer.RoundRobinAssignor'], make: () => new RoundRobinAssignor() },
  {
    names: ['cooperative-sticky', 'org.apache.kafka.clients.consumer.CooperativeStickyAssignor'],
    make: () => new CooperativeStickyAssignor(),
  },
];

/** The names assignorByName knows, short names first. */
export const KNOWN_ASSIGNORS: readonly string[] = [...FACTORIES.map((f) => f.names[0] as string), ...FACTORIES.map((f) => f.names[1] as string)];

/** A new assignor for a Java assignor name or class name (surrounding spaces ignored). */
export function assignorByName(name: string): Assignor {
  const wanted = typeof name === 'string' ? name.trim() : name;
  const f = FACTORIES.find((x) => x.names.includes(wanted));
  if (f === undefined) {
    throw new KafkaConfigError(
      `partitionAssignmentStrategy: unknown assignor ${JSON.stringify(name)}; known: ${KNOWN_ASSIGNORS.join(', ')}` +
        ' (the sticky assignor "sticky" is not supported; use "cooperative-sticky")',
    );
  }
  return f.make();
}
