// The oracle: a Worker that runs one segment of an operation sequence on a
// real KV binding inside workerd, through createWorkersKv. Bundled and
// driven by ./_oracle.ts.
//
//   POST /run { binding, clear, ops, state }  ->  { outcomes, state }

import { createWorkersKv, type KvBinding } from "../../adapters/workers.ts";
import { clear, type Op, runSegment, type RunState } from "./_ops.ts";

interface Segment {
  binding: string;
  clear: boolean;
  ops: Op[];
  state: RunState;
}

export default {
  async fetch(request: Request, env: Record<string, unknown>): Promise<Response> {
    const segment = await request.json() as Segment;
    const binding = env[segment.binding] as KvBinding | undefined;
    if (binding === undefined) {
      return new Response(`no binding ${segment.binding}`, { status: 400 });
    }
    const kv = createWorkersKv(binding);
    if (segment.clear) await clear(kv);
    const outcomes = await runSegment(kv, segment.ops, segment.state, true);
    return Response.json({ outcomes, state: segment.state });
  },
};
