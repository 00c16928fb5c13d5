import fc from 'fast-check';
import { describeError } from '../../common/errors.ts';
import { withKafkaAdmin } from '../../infra/kafka-client.ts';
import {
  broker,
  brokerLane,
  describePartition,
  needsCluster,
  partitionState,
  requireRun,
  waitForPartition,
  onKafka,
} from '../kafka-cluster.ts';
import { healOnce, type FaultKind } from '../types.ts';

const TOPIC_RESOURCE = 2;

/** How long a kill waits for a new leader where the topic allows an unclean election. */
const ELECTION_WAIT_MS = 30_000;

export interface UncleanElectionParams {
  /** The partition, modulo how many the run has. */
  readonly partition: number;
  /** How long the partition runs on two replicas before the second follower is cut too. */
  readonly holdMs: number;
  /** Whether the run's topic allows an out-of-sync replica to become leader (the scenario says). */
  readonly allowed: boolean;
}

/**
 * The in-sync replicas die and an out-of-sync one is left. On three combined controller+broker
 * nodes two of them cannot both die (the quorum would go with them), so the ISR is shrunk first:
 * 1. the follower an unclean election would pick (the first live one in assignment order) stops
 *    fetching, and leaves the ISR; the leader and the other follower take acknowledged writes;
 * 2. after a while the other follower stops fetching too, so the leader is the only in-sync replica;
 * 3. the leader is killed with -9.
 * Where the topic allows it, the controller then elects the first follower, which lacks what was
 * acknowledged in step 1: the log is truncated, and acknowledged messages are gone. Where it
 * forbids it, the partition stays offline until the leader is back, and nothing is lost.
 */
export const uncleanElection: FaultKind<UncleanElectionParams, 'service'> = {
  name: 'unclean-election',
  colour: '#ad494a',
  lane: 'service',
  repeatable: false,
  exclusive: onKafka,
  params: (limits) =>
    needsCluster(limits.brokers)
      ? fc.record({
          partition: fc.integer({ min: 0, max: 3 }),
          holdMs: fc.integer({ min: 300, max: 2_000 }),
          allowed: fc.constant(limits.uncleanElection ?? false),
        })
      : undefined,
  describe: (p) =>
    `kill the in-sync replicas of partition ${p.partition} but an out-of-sync one (unclean election ${p.allowed ? 'allowed' : 'forbidden'})`,
  async start(ctx, p) {
    const { stack } = ctx;
    const run = requireRun(ctx);
    const before = await partitionState(stack, run, p.partition);
    const leader = before.leader;
    if (leader < 0) throw new Error(`${describePartition(before)} has no leader now`);
    const [first, second] = before.replicas.filter((r) => r !== leader);
    if (first === undefined || second === undefined)
      throw new Error(`${describePartition(before)} has fewer than two followers`);
    const where = describePartition(before);
    await withKafkaAdmin(stack.kafkaBrokers('direct'), 'outbox-chaos-nemesis', (admin) =>
      // The run's topic has only these two settings of its own; alterConfigs sets both, as created.
      admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            // ConfigResourceTypes.TOPIC: kafkajs is CommonJS, and Node's ESM loader cannot see
            // that enum as a named export.
            type: TOPIC_RESOURCE,
            name: run.topic,
            configEntries: [
              { name: 'min.insync.replicas', value: '2' },
              { name: 'unclean.leader.election.enable', value: String(p.allowed) },
            ],
          },
        ],
      }),
    );

    const cutFirst = stack.peer(first, leader, ['replication']);
    const cutSecond = stack.peer(second, leader, ['replication']);
    const leaderControl = broker(stack, leader).control;
    let killed = false;
    let killError: string | undefined;
    let elected: number | undefined;
    // Whether the new leader was out of the ISR just before the kill, as last read.
    let electedOutOfSync = false;
    let phase = 'starting';
    const heal = healOnce(async () => {
      await cutFirst.enable();
      await cutSecond.enable();
      if (leaderControl.pid === undefined) await leaderControl.restart();
    });
    let isrBeforeKill: readonly number[] = [leader];
    try {
      phase = `broker ${first} out of the ISR`;
      await cutFirst.disable();
      await waitForPartition(stack, run, p.partition, phase, (s) => !s.isr.includes(first));
      await new Promise((r) => setTimeout(r, p.holdMs));
      phase = `broker ${second} out of the ISR`;
      await cutSecond.disable();
      const shrunk = await waitForPartition(
        stack,
        run,
        p.partition,
        phase,
        (s) => s.isr.length === 1 && s.isr[0] === leader,
      );
      isrBeforeKill = shrunk.isr;
      phase = `leader ${leader} killed`;
      // Once the kill has been attempted the fault may have done its damage: from here on nothing
      // throws, or the firing would be recorded as not started and a late election's loss blamed
      // on the SUT.
      killed = true;
      await leaderControl.crash();
    } catch (err) {
      if (!killed) {
        // Nothing was killed: whatever was cut comes back, and the firing is recorded as not started.
        await heal().catch(() => {});
        throw err;
      }
      // The kill reported a failure, yet the process may be gone: go on as if it were.
      killError = describeError(err);
    }
    let unobserved: string | undefined;
    if (p.allowed) {
      // A controller can take a while to notice the leader is gone and to elect the one replica left.
      try {
        const after = await waitForPartition(
          stack,
          run,
          p.partition,
          `a new leader of ${where}`,
          (s) => s.leader >= 0 && s.leader !== leader,
          ELECTION_WAIT_MS,
        );
        elected = after.leader;
        electedOutOfSync = !isrBeforeKill.includes(after.leader);
      } catch (err) {
        unobserved = describeError(err);
      }
    }
    const story = `${where}: brokers ${first} then ${second} left the ISR, leader ${leader} killed${killError ? ` (the kill reported: ${killError})` : ''}`;
    return {
      heal,
      affects: [brokerLane(leader), ...(elected === undefined ? [] : [brokerLane(elected)])],
      detail: () => {
        if (!p.allowed) return `${story}; unclean election forbidden, so the partition waited for its leader`;
        if (elected === undefined)
          return `${story}; no new leader seen within ${ELECTION_WAIT_MS / 1000} s (${unobserved})`;
        return `${story}, broker ${elected} elected leader (${electedOutOfSync ? 'out of' : 'in'} the ISR of ${isrBeforeKill.join(', ')} before the kill)`;
      },
      dataLoss: () => {
        if (!p.allowed) return undefined;
        if (elected === undefined)
          return `unclean leader election possible on ${where}: leader ${leader} was killed as the only in-sync replica and no new leader was seen within ${ELECTION_WAIT_MS / 1000} s; one elected later may lack acknowledged messages`;
        if (electedOutOfSync)
          return `an unclean leader election on ${where} made broker ${elected}, out of the ISR (${isrBeforeKill.join(', ')}) before the kill, the leader after leader ${leader} died; it lacks what only the old leader had, and Kafka truncates it`;
        return `a leader election on ${where} after unclean leader election was allowed and leader ${leader} died made broker ${elected} the leader; it was in the last ISR read (${isrBeforeKill.join(', ')}), but that read may be stale, so acknowledged messages may be lost`;
      },
    };
  },
};
