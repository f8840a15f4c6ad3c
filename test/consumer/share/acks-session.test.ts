// The pure parts of the share consumer: acknowledgement ranges and share
// session epochs, checked against small models.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromAckBatches, toAckBatches } from '../../../src/consumer/share/acks.js';
import { CLOSE_EPOCH, nextEpoch, OPEN_EPOCH, ShareSession } from '../../../src/consumer/share/session.js';
import type { AckCode } from '../../../src/consumer/share/types.js';

describe('acknowledgement batches', () => {
  const acks = fc.array(fc.tuple(fc.bigInt({ min: 0n, max: 60n }), fc.constantFrom<AckCode>(0, 1, 2, 3, 4)), { maxLength: 80 }).map((l) => new Map(l));

  it('encode every acknowledgement exactly once, in ascending non-overlapping ranges of one type each', () => {
    fc.assert(
      fc.property(acks, (m) => {
        const batches = toAckBatches(m);
        expect(fromAckBatches(batches)).toEqual(new Map([...m].map(([o, t]) => [o, t as number])));
        for (const b of batches) {
          expect(b.acknowledgeTypes).toHaveLength(1);
          expect(b.lastOffset >= b.firstOffset).toBe(true);
        }
        for (let i = 1; i < batches.length; i++) {
          const prev = batches[i - 1]!;
          const cur = batches[i]!;
          expect(cur.firstOffset > prev.lastOffset).toBe(true);
          // Adjacent ranges are merged unless the type changes.
          if (cur.firstOffset === prev.lastOffset + 1n) expect(cur.acknowledgeTypes[0]).not.toBe(prev.acknowledgeTypes[0]);
        }
      }),
    );
  });

  it('merge a run of accepts into one range and split where the type changes', () => {
    const m = new Map<bigint, AckCode>([[5n, 1], [3n, 1], [4n, 1], [6n, 2], [8n, 1]]);
    expect(toAckBatches(m)).toEqual([
      { firstOffset: 3n, lastOffset: 5n, acknowledgeTypes: [1] },
      { firstOffset: 6n, lastOffset: 6n, acknowledgeTypes: [2] },
      { firstOffset: 8n, lastOffset: 8n, acknowledgeTypes: [1] },
    ]);
  });

  it('read per-offset batches too', () => {
    expect(fromAckBatches([{ firstOffset: 10n, lastOffset: 12n, acknowledgeTypes: [1, 0, 3] }])).toEqual(new Map([[10n, 1], [11n, 0], [12n, 3]]));
  });
});

describe('share session epochs', () => {
  it('open with epoch 0 listing every partition, then count up from 1 listing only changes', () => {
    const s = new ShareSession();
    expect(s.open).toBe(false);
    expect(s.ackEpoch()).toBeNull();
    const first = s.build(new Set(['t:0', 't:1']));
    expect(first).toMatchObject({ epoch: OPEN_EPOCH, add: ['t:0', 't:1'], forget: [] });
    s.accepted(first);
    expect(s.epoch).toBe(1);
    expect(s.ackEpoch()).toBe(1);
    const same = s.build(new Set(['t:0', 't:1']));
    expect(same).toMatchObject({ epoch: 1, add: [], forget: [] });
    s.accepted(same);
    const changed = s.build(new Set(['t:1', 't:2']));
    expect(changed).toMatchObject({ epoch: 2, add: ['t:2'], forget: ['t:0'] });
    s.accepted(changed);
    // An acknowledgement-only request moves the epoch but not the partitions.
    s.accepted({});
    expect(s.epoch).toBe(4);
    expect([...s.partitions].sort()).toEqual(['t:1', 't:2']);
    s.reset();
    expect(s.build(new Set(['t:1']))).toMatchObject({ epoch: OPEN_EPOCH, add: ['t:1'], forget: [] });
  });

  it('wraps from the largest int32 to 1, never to 0 (which would open a new session) or -1 (which closes it)', () => {
    expect(nextEpoch(2_147_483_647)).toBe(1);
    expect(nextEpoch(0)).toBe(1);
    fc.assert(fc.property(fc.integer({ min: 0, max: 2_147_483_647 }), (e) => {
      const n = nextEpoch(e);
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).not.toBe(CLOSE_EPOCH);
    }));
  });

  it('after any sequence of requests, the partitions listed since the last open add up to the wanted set', () => {
    const keys = fc.subarray(['a:0', 'a:1', 'b:0', 'b:1', 'c:0']);
    const step = fc.oneof(keys.map((k) => ({ kind: 'fetch' as const, wanted: k })), fc.constant({ kind: 'reset' as const }), fc.constant({ kind: 'ack' as const }));
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        const s = new ShareSession();
        let brokerView = new Set<string>();
        let brokerEpoch = 0;
        for (const st of steps) {
          if (st.kind === 'reset') {
            s.reset();
            continue;
          }
          if (st.kind === 'ack') {
            const e = s.ackEpoch();
            if (e === null) continue;
            expect(e).toBe(brokerEpoch);
            brokerEpoch = nextEpoch(brokerEpoch);
            s.accepted({});
            continue;
          }
          const req = s.build(new Set(st.wanted));
          if (req.epoch === OPEN_EPOCH) {
            brokerView = new Set(req.add);
            brokerEpoch = 1;
          } else {
            expect(req.epoch).toBe(brokerEpoch);
            for (const k of req.add) brokerView.add(k);
            for (const k of req.forget) brokerView.delete(k);
            brokerEpoch = nextEpoch(brokerEpoch);
          }
          s.accepted(req);
          expect([...brokerView].sort()).toEqual([...st.wanted].sort());
        }
      }),
    );
  });
});
