/**
 * Segments of long video tasks: rows made once per task when it is split, each processed by
 * any worker, and the task's progress kept as the frames done over all of them. Finishing a
 * segment and finding all of them finished are separate statements: of two workers finishing
 * the last two segments at once, at least one sees every segment done (each looks after its
 * own update), and the join they queue is deduplicated and conditional on the task.
 */
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { DB } from '../db/index.ts';
import type { TaskSegmentsTable } from '../db/schema.ts';

export type SegmentRow = Selectable<TaskSegmentsTable>;

export interface NewSegment {
  seq: number;
  inputKey: string;
  sourceKey: string;
  firstFrame: number;
  warmFrames: number;
  frames: number;
}

const now = () => new Date().toISOString();

export function createTaskSegments(db: Kysely<DB>) {
  const list = (taskId: string): Promise<SegmentRow[]> =>
    db
      .selectFrom('task_segments')
      .selectAll()
      .where('task_id', '=', taskId)
      .orderBy('seq')
      .execute();

  /** The task's progress: frames done over all its segments. */
  async function sumProgress(taskId: string) {
    const frames = await db
      .selectFrom('task_segments')
      .select((eb) => [
        eb.fn.sum<number>('frames_done').as('done'),
        eb.fn.sum<number>('frames').as('total'),
      ])
      .where('task_id', '=', taskId)
      .executeTakeFirst();
    await db
      .updateTable('tasks')
      .set({
        progress_done: Number(frames?.done ?? 0),
        progress_total: Number(frames?.total ?? 0),
        updated_at: now(),
      })
      .where('id', '=', taskId)
      .where('status', '=', 'processing')
      .execute();
  }

  return {
    list,
    get: (taskId: string, seq: number): Promise<SegmentRow | undefined> =>
      db
        .selectFrom('task_segments')
        .selectAll()
        .where('task_id', '=', taskId)
        .where('seq', '=', seq)
        .executeTakeFirst(),

    /** Stores a task's segments once; a second plan for the same task is ignored. */
    async create(jobId: string, taskId: string, segments: NewSegment[]): Promise<SegmentRow[]> {
      const ts = now();
      await db.transaction().execute(async (trx) => {
        const had = await trx
          .selectFrom('task_segments')
          .select('seq')
          .where('task_id', '=', taskId)
          .executeTakeFirst();
        if (had) return;
        await trx
          .insertInto('task_segments')
          .values(
            segments.map((s) => ({
              task_id: taskId,
              seq: s.seq,
              job_id: jobId,
              status: 'pending' as const,
              input_key: s.inputKey,
              source_key: s.sourceKey,
              first_frame: s.firstFrame,
              warm_frames: s.warmFrames,
              frames: s.frames,
              frames_done: 0,
              output_key: null,
              detections_key: null,
              faces: null,
              plates: null,
              error: null,
              updated_at: ts,
            })),
          )
          .onConflict((oc) => oc.columns(['task_id', 'seq']).doNothing())
          .execute();
      });
      await sumProgress(taskId);
      return list(taskId);
    },

    update: (taskId: string, seq: number, set: Updateable<TaskSegmentsTable>) =>
      db
        .updateTable('task_segments')
        .set({ ...set, updated_at: now() })
        .where('task_id', '=', taskId)
        .where('seq', '=', seq)
        .execute(),

    /** Saves one segment's frames done and the task's total. */
    async progress(taskId: string, seq: number, done: number): Promise<void> {
      await db
        .updateTable('task_segments')
        .set({ frames_done: done, updated_at: now() })
        .where('task_id', '=', taskId)
        .where('seq', '=', seq)
        .execute();
      await sumProgress(taskId);
    },

    /** Completes the task once: false when it was no longer processing (joined already). */
    async completeTask(taskId: string, set: Updateable<DB['tasks']>): Promise<boolean> {
      const r = await db
        .updateTable('tasks')
        .set({ ...set, status: 'completed', updated_at: now() })
        .where('id', '=', taskId)
        .where('status', '=', 'processing')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /**
     * The plan did not hold: segment `seq` is to process the task in one piece and the others
     * stop. False when another segment took that part already (that one does it).
     */
    async processWhole(taskId: string, seq: number): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const whole = await trx
          .selectFrom('task_segments')
          .select('seq')
          .where('task_id', '=', taskId)
          .where('status', '=', 'whole')
          .executeTakeFirst();
        if (whole && whole.seq !== seq) return false;
        const set = (status: 'whole' | 'abandoned') =>
          trx.updateTable('task_segments').set({ status, updated_at: now() });
        await set('abandoned').where('task_id', '=', taskId).where('seq', '!=', seq).execute();
        await set('whole').where('task_id', '=', taskId).where('seq', '=', seq).execute();
        return true;
      });
    },

    /** Whether every segment of the task is completed (read after one's own update). */
    async allCompleted(taskId: string): Promise<boolean> {
      const open = await db
        .selectFrom('task_segments')
        .select('seq')
        .where('task_id', '=', taskId)
        .where('status', '!=', 'completed')
        .executeTakeFirst();
      return !open;
    },
  };
}

export type TaskSegments = ReturnType<typeof createTaskSegments>;
