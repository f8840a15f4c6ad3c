// Log lines both group protocols share, so they say the same thing the same way.

/** Why a member that stopped polling leaves its group, and what to change. */
export function pollTimeoutMessage(groupId: string, memberId: string, idleMs: number, maxPollIntervalMs: number): string {
  return (
    `group ${groupId}: member ${memberId} leaves the group: the application did not poll for ${idleMs} ms, longer than maxPollIntervalMs (${maxPollIntervalMs}). ` +
    'Processing the records of one poll takes too long: raise maxPollIntervalMs, or lower maxPollRecords so each poll returns less work. ' +
    'It rejoins on the next poll; its partitions go to other members meanwhile.'
  );
}
