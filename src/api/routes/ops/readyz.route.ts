import { Type } from '@fastify/type-provider-typebox';
import { TAGS, type ApiApp } from '../../api-types.ts';

/** A dependency check: resolves when the dependency answers, throws otherwise. */
export type ReadinessCheck = () => Promise<unknown>;

export interface ReadinessChecks {
  database: ReadinessCheck;
  queue: ReadinessCheck;
  blobStorage: ReadinessCheck;
}

const Checks = Type.Record(Type.String(), Type.Union([Type.Literal('ok'), Type.String()]), {
  description: '`ok`, or why the dependency is not usable',
});

const schema = {
  summary: 'Readiness: database, queue and blob storage reachable',
  description:
    'No API key. 200 when every dependency answers within the timeout; 503 names the ones that do not.',
  tags: TAGS.health,
  response: {
    200: Type.Object({ status: Type.Literal('ready'), checks: Checks }),
    503: Type.Object({
      status: Type.Literal('unavailable'),
      down: Type.Array(Type.String()),
      checks: Checks,
    }),
  },
};

async function within(check: ReadinessCheck, ms: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([check(), timeout]);
    return 'ok';
  } catch (err) {
    // The error's message only: driver errors can carry connection strings in other fields.
    return (err as Error)?.message?.split('\n')[0]?.slice(0, 200) || 'unreachable';
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the checks in parallel, each bounded by `timeoutMs` so a hung dependency reads as down. */
export async function runReadiness(
  checks: ReadinessChecks,
  timeoutMs: number,
): Promise<{ ready: boolean; checks: Record<string, string>; down: string[] }> {
  const names = Object.keys(checks) as Array<keyof ReadinessChecks>;
  const results = await Promise.all(names.map((name) => within(checks[name], timeoutMs)));
  const out = Object.fromEntries(names.map((name, i) => [name, results[i]!]));
  const down = names.filter((_, i) => results[i] !== 'ok');
  return { ready: down.length === 0, checks: out, down };
}

export function readyzRoute(app: ApiApp, checks: ReadinessChecks, timeoutMs = 2000): void {
  app.get('/readyz', { schema }, async (_request, reply) => {
    const result = await runReadiness(checks, timeoutMs);
    if (result.ready) return { status: 'ready' as const, checks: result.checks };
    return reply
      .code(503)
      .send({ status: 'unavailable' as const, down: result.down, checks: result.checks });
  });
}
