// The small incoming-call window: who is calling, Answer / Decline, then it hides itself.
// It never takes focus (the shell creates it unfocused; nothing here calls focus()).

import "./styles/app.css";
import "./styles/incoming.css";
import type { Backend } from "./backend/backend";
import { selectBackend } from "./backend/select";
import type { Envelope } from "./generated/Envelope";
import { pickCall } from "./state/incoming";
import { partyLabel } from "./state/store";
import { h, showError } from "./views/dom";

async function start(backend: Backend): Promise<void> {
  const app = document.getElementById("app")!;
  const name = h("h1", { class: "caller", "data-testid": "incoming-caller" }, "Incoming call");
  const number = h("p", { class: "number" });
  const waiting = h("p", { class: "waiting", "data-testid": "incoming-waiting", hidden: true }, "Call waiting: you are on another call");
  const error = h("p", { class: "error", role: "alert" });
  const answer = h("button", { type: "button", class: "answer", "data-testid": "answer" }, "Answer");
  const decline = h("button", { type: "button", class: "decline", "data-testid": "decline" }, "Decline");
  app.replaceChildren(
    h("div", { class: "incoming", role: "alertdialog", "aria-labelledby": "incoming-label", "aria-describedby": "incoming-desc" },
      h("p", { id: "incoming-label", class: "label" }, "Incoming call"),
      name,
      h("div", { id: "incoming-desc" }, number, waiting),
      h("div", { class: "actions" }, answer, decline),
      error,
    ),
  );

  const close = () => {
    void backend.desktop?.closeSelf().catch(() => undefined);
  };
  let callId: string | null = null;
  const act = async (command: "call.answer" | "call.reject") => {
    if (!callId) return close();
    try {
      await backend.execute(
        command === "call.answer"
          ? { command, args: { callId } }
          : { command, args: { callId, busy: false } },
      );
      if (command === "call.answer") await backend.desktop?.showMain().catch(() => undefined);
      close();
    } catch (e) {
      showError(error, e);
    }
  };
  answer.addEventListener("click", () => void act("call.answer"));
  decline.addEventListener("click", () => void act("call.reject"));

  const onEvent = (env: Envelope) => {
    if (!callId) return;
    if ((env.event === "call.answered" || env.event === "call.ended") && env.data.callId === callId) close();
  };
  backend.subscribe(onEvent);

  try {
    const status = await backend.status();
    callId = pickCall(status, window.location.href);
    const call = status.calls.find((c) => c.callId === callId);
    if (!call || call.state !== "incoming") {
      close();
      return;
    }
    name.textContent = partyLabel(call.remote);
    number.textContent = call.remote.number && call.remote.displayName ? call.remote.number : call.remote.uri.replace(/^sips?:/, "");
    waiting.hidden = !status.calls.some((c) => c.callId !== callId && c.state !== "incoming");
    document.title = `Incoming call: ${partyLabel(call.remote)}`;
  } catch (e) {
    showError(error, e);
  }
}

void start(selectBackend());
