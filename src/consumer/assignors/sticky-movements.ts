/**
 * The partition moves made during one general sticky assignment (Java's
 * PartitionMovements): per topic, which partitions moved from which member
 * to which. When a partition is about to move from A to B and some partition
 * of the same topic already moved from B to A, that one moves back instead,
 * so no two members swap partitions of one topic. Which one is picked
 * follows Java's HashSet iteration order.
 */
import type { TopicPartition } from '../group/contract.js';
import { keyOf } from './common.js';
import { JavaHashSet, topicPartitionHash } from './java-hash.js';

interface Move {
  from: string;
  to: string;
}

const pairKey = (from: string, to: string): string => JSON.stringify([from, to]);
const newPartitionSet = (): JavaHashSet<TopicPartition> => new JavaHashSet<TopicPartition>(keyOf, (tp) => topicPartitionHash(tp.topic, tp.partition));

export class PartitionMovements {
  private readonly byTopic = new Map<string, Map<string, JavaHashSet<TopicPartition>>>();
  private readonly moves = new Map<string, Move>();

  private forget(tp: TopicPartition): Move {
    const key = keyOf(tp);
    const move = this.moves.get(key) as Move;
    this.moves.delete(key);
    const topicMoves = this.byTopic.get(tp.topic) as Map<string, JavaHashSet<TopicPartition>>;
    const pk = pairKey(move.from, move.to);
    const set = topicMoves.get(pk) as JavaHashSet<TopicPartition>;
    set.delete(tp);
    if (set.size === 0) topicMoves.delete(pk);
    if (topicMoves.size === 0) this.byTopic.delete(tp.topic);
    return move;
  }

  private remember(tp: TopicPartition, move: Move): void {
    this.moves.set(keyOf(tp), move);
    let topicMoves = this.byTopic.get(tp.topic);
    if (topicMoves === undefined) this.byTopic.set(tp.topic, (topicMoves = new Map()));
    const pk = pairKey(move.from, move.to);
    let set = topicMoves.get(pk);
    if (set === undefined) topicMoves.set(pk, (set = newPartitionSet()));
    set.add(tp);
  }

  /** Records that tp moved from `from` to `to`; a chain A→B→C is kept as A→C, and A→B→A as no move. */
  record(tp: TopicPartition, from: string, to: string): void {
    if (this.moves.has(keyOf(tp))) {
      const earlier = this.forget(tp);
      if (earlier.from !== to) this.remember(tp, { from: earlier.from, to });
    } else {
      this.remember(tp, { from, to });
    }
  }

  /** The partition to move from `from` to `to` in place of tp: one that moved the other way, if any. */
  partitionToMove(tp: TopicPartition, from: string, to: string): TopicPartition {
    const topicMoves = this.byTopic.get(tp.topic);
    if (topicMoves === undefined) return tp;
    const earlier = this.moves.get(keyOf(tp));
    const origin = earlier === undefined ? from : earlier.from;
    const reverse = topicMoves.get(pairKey(to, origin));
    if (reverse === undefined) return tp;
    return reverse.first() as TopicPartition;
  }
}
