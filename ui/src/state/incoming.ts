// Which call the incoming-call window shows.

import type { Status } from "../generated/Status";

/** The call this window is about: `?callId=`, else the newest incoming call in the status. */
export function pickCall(status: Status, href: string): string | null {
  const wanted = new URL(href).searchParams.get("callId");
  if (wanted) return wanted;
  const incoming = status.calls.filter((c) => c.state === "incoming");
  return incoming[incoming.length - 1]?.callId ?? null;
}
