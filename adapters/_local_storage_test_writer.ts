// Another process on the same localStorage as adapters/local_storage_test.ts
// (Deno keeps one file per config file): what another tab is in a browser.
// It writes into the namespace named by its argument, through the adapter.
//
//   deno run --config deno.json adapters/_local_storage_test_writer.ts <namespace>

import { createLocalStorageKv } from "./local_storage.ts";

const [namespace] = Deno.args;
await using kv = createLocalStorageKv(localStorage, { namespace });
await kv.put("from-writer", "hello", { metadata: { by: "writer" } });
await kv.put("shared", "the writer's", { metadata: { by: "writer" } });
await kv.delete("doomed");
