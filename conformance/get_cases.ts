import type { ConformanceCase } from "./case.ts";
import { assertEquals } from "./_assert.ts";

export const getCases: ConformanceCase[] = [
  {
    id: "get.missing",
    area: "get",
    name: "get of a missing key resolves null",
    async run({ kv }) {
      assertEquals(await kv.get("missing"), null);
    },
  },
];
