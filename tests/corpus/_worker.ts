// The recording Worker: runs corpus inputs on workerd's raw KV binding
// (env.KV, no kvkit wrapper), inside workerd. Bundled and driven by
// ./record.ts.
//
//   GET /run?from=N&to=M  ->  { userAgent, count, outcomes: { [id]: Outcome } }

import { corpus } from "./_inputs.ts";
import { clear, type CorpusKv, type Outcome, runInput } from "./_run.ts";

export default {
  async fetch(request: Request, env: { KV: CorpusKv }): Promise<Response> {
    const url = new URL(request.url);
    const from = Number(url.searchParams.get("from") ?? 0);
    const to = Number(url.searchParams.get("to") ?? corpus.length);
    const outcomes: Record<string, Outcome> = {};
    for (const input of corpus.slice(from, to)) {
      await clear(env.KV);
      outcomes[input.id] = await runInput(env.KV, input);
    }
    return Response.json({ userAgent: navigator.userAgent, count: corpus.length, outcomes });
  },
};
