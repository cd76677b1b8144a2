// The Miniflare adapter on Node: openMiniflareKv's persistence and fake
// clock. (The conformance run through Miniflare's Node proxy is in
// conformance_test.ts, from the registry.)

import { describe, it } from "node:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openMiniflareKv } from "../../adapters/miniflare.ts";

function assertEquals(actual: unknown, expected: unknown, message = "") {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${message}\n  expected: ${e}\n    actual: ${a}`);
}

describe("openMiniflareKv on Node", () => {
  it("keeps data across close and reopen with persist", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kvkit-miniflare-"));
    try {
      const first = await openMiniflareKv({ persist: dir });
      await first.put("k", "kept", { metadata: { v: 1 } });
      await first.close();
      const second = await openMiniflareKv({ persist: dir });
      try {
        assertEquals(await second.getWithMetadata("k"), {
          value: "kept",
          metadata: { v: 1 },
          cacheStatus: null,
        });
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("expires keys on the fake clock", async () => {
    const kv = await openMiniflareKv({ fakeTime: 1_000_000 });
    try {
      await kv.put("k", "v", { expirationTtl: 60 });
      assertEquals((await kv.list()).keys, [{ name: "k", expiration: 1060 }]);
      await kv.advanceTime(59_999);
      assertEquals(await kv.get("k"), "v");
      await kv.advanceTime(1);
      assertEquals(await kv.get("k"), null);
    } finally {
      await kv.close();
    }
  });
});
