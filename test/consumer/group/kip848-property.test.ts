// Properties of the KIP-848 membership under random coordinator behaviour:
// the partitions it reports as owned are always exactly what the host holds,
// fencing loses (never revokes), and leave() ends everything.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConsumerGroupMembership } from '../../../src/consumer/group/kip848.js';
import { KafkaConnectionError } from '../../../src/errors.js';
import { ErrorCode } from '../../../src/messages/error-codes.js';
import { setup } from './fake-coordinator.js';

const T = 't';
const TID = 'tAAAAAAAAAAAAAAAAAAAAA';
const PARTITIONS = 4;

type Answer = { kind: 'ok'; mask: number | null; interval: number } | { kind: 'error'; code: number } | { kind: 'broken' };

const answer: fc.Arbitrary<Answer> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('ok' as const), mask: fc.option(fc.integer({ min: 0, max: (1 << PARTITIONS) - 1 }), { nil: null }), interval: fc.integer({ min: 100, max: 5000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('error' as const), code: fc.constantFrom(ErrorCode.FENCED_MEMBER_EPOCH, ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.COORDINATOR_NOT_AVAILABLE) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('broken' as const) }) },
);

describe('KIP-848 membership properties', () => {
  it('owned partitions sent are what the host holds (and what it is still revoking); fenced members lose, never revoke; leave ends everything', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(answer, { maxLength: 60 }), fc.array(fc.integer({ min: 0, max: 6000 }), { minLength: 1, maxLength: 40 }), fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 10 }), async (script, steps, delays) => {
        const answers = [...script];
        const { cluster, clock, host, deps } = setup({ groupProtocol: 'consumer' });
        cluster.addTopic(T, PARTITIONS, TID);
        // The host's partitions: an assign or lost takes effect when called, a revoke when it returns
        // (until then the member still owns them and must say so). Every state the host passes through
        // is kept until the next heartbeat, which must report one of them.
        const held = new Set<number>();
        const problems: string[] = [];
        let epoch = 0;
        const key = () => [...held].sort().join(',');
        let nextDelay = 0;
        let states = new Set<string>([key()]);
        const m = new ConsumerGroupMembership(deps);
        const nums = (ps: Array<{ partition: number }>) => ps.map((p) => p.partition);
        let busy = 0;
        const overlap = (what: string) => {
          if (busy > 0) problems.push(`host.${what} while another host call is under way`);
        };
        host.assign = async (ps) => {
          overlap('assign');
          for (const p of nums(ps)) {
            if (held.has(p)) problems.push(`assign of ${p}, already held`);
            held.add(p);
          }
          states.add(key());
        };
        host.lost = async (ps) => {
          overlap('lost');
          for (const p of nums(ps)) {
            if (!held.has(p)) problems.push(`lost of ${p}, not held`);
            held.delete(p);
          }
          states.add(key());
        };
        host.revoke = async (ps) => {
          // A fenced member's partitions are lost: it must not revoke (and so commit) them.
          if (m.currentState === 'fenced') problems.push(`revoke of [${nums(ps)}] while fenced (should be lost)`);
          for (const p of nums(ps)) if (!held.has(p)) problems.push(`revoke of ${p}, not held`);
          overlap('revoke');
          busy++;
          // Revoking takes a while (committing, the user's callback), on the test clock.
          const d = delays[nextDelay++ % delays.length]!;
          await new Promise<void>((r) => clock.setTimeout(r, d));
          busy--;
          for (const p of nums(ps)) held.delete(p);
          states.add(key());
        };
        cluster.defaults.set('ConsumerGroupHeartbeat', (body: any) => {
          if (body.memberEpoch < 0) return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, memberId: body.memberId, memberEpoch: body.memberEpoch, heartbeatIntervalMs: 0, assignment: null };
          if (body.memberEpoch === 0 && held.size > 0) problems.push(`rejoin (epoch 0) while the host still holds ${[...held]}`);
          if (body.topicPartitions !== null) {
            const sent = body.topicPartitions.flatMap((t: any) => t.partitions).sort().join(',');
            if (!states.has(sent)) problems.push(`heartbeat says it owns [${sent}]; the host held only ${[...states].map((x) => `[${x}]`).join(' ')} since the last one`);
          }
          states = new Set([key()]);
          const a = answers.shift() ?? { kind: 'ok', mask: null, interval: 3000 };
          if (a.kind === 'broken') throw new KafkaConnectionError('scripted: connection lost', {}, true);
          if (a.kind === 'error') {
            if (a.code === ErrorCode.NOT_COORDINATOR) cluster.coordinator = (cluster.coordinator % 3) + 1;
            return { throttleTimeMs: 0, errorCode: a.code, errorMessage: 'scripted', memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null };
          }
          // A join always gets an assignment, as from a real coordinator.
          const mask = a.mask ?? (body.memberEpoch === 0 ? 0 : null);
          if (mask !== null) epoch++;
          const partitions = mask === null ? null : Array.from({ length: PARTITIONS }, (_, i) => i).filter((i) => mask & (1 << i));
          return {
            throttleTimeMs: 0,
            errorCode: 0,
            errorMessage: null,
            memberId: null,
            memberEpoch: Math.max(epoch, 1),
            heartbeatIntervalMs: a.interval,
            assignment: partitions === null ? null : { topicPartitions: partitions.length ? [{ topicId: TID, partitions }] : [] },
          };
        });
        const subscribed = m.subscribe({ topics: [T] }).catch(() => undefined);
        for (const ms of steps) {
          await clock.advance(ms);
          m.polled();
          const owned = m.assignment().map((p) => p.partition).sort();
          if (owned.join() !== key()) problems.push(`membership owns [${owned}] but the host holds [${key()}]`);
        }
        const left = m.leave();
        await clock.advance(60_000); // a revoke under way finishes
        await left;
        await subscribed;
        expect(problems).toEqual([]);
        expect(held.size).toBe(0);
        expect(host.fatals).toEqual([]);
        expect(clock.pending).toBe(0);
        const n = cluster.requests.length;
        await clock.advance(120_000);
        expect(cluster.requests.length).toBe(n);
      }),
      // The scripts now run to their full stated length (test/fast-check-setup.ts), so fewer runs cover more.
      { numRuns: 100 },
    );
  });
});
