// Signs a user in on two devices, lists her sessions, renews one, signs
// out of the other, then out everywhere.
//
//   deno run -A examples/sessions/main.ts [store]

import { openBackendFromArgs } from "../_backend.ts";
import {
  createSession,
  endAllSessions,
  endSession,
  getSession,
  listSessions,
  touch,
} from "./sessions.ts";

await using kv = await openBackendFromArgs();

const laptop = await createSession(kv, "ada", { device: "laptop" });
const phone = await createSession(kv, "ada", { device: "phone" }, 120);
console.log("signed in:", await getSession(kv, laptop));

console.log("ada's sessions:");
for (const session of await listSessions(kv, "ada")) {
  const expires = new Date(session.expiration * 1000).toISOString();
  console.log(`  ${session.id}  ${JSON.stringify(session.info)}  expires ${expires}`);
}

console.log("laptop renewed:", await touch(kv, laptop));
await endSession(kv, phone);
console.log("phone after sign-out:", await getSession(kv, phone));
console.log("signed out everywhere, sessions ended:", await endAllSessions(kv, "ada"));
