// The call history: newest first, filters, search, "Load more", click a row to call back.

import type { Backend } from "../backend/backend";
import type { HistoryEntry } from "../generated/HistoryEntry";
import type { HistoryQuery } from "../generated/HistoryQuery";
import { entryNumber } from "./dialpad";
import { h, showError } from "./dom";

const PAGE = 25;
type Filter = "all" | "incoming" | "outgoing" | "missed";

const CAUSE_WORDS: Record<string, string> = {
  completed: "Completed",
  busy: "Busy",
  no_answer: "No answer",
  rejected: "Declined",
  missed: "Missed",
  canceled: "Canceled",
  failed: "Failed",
  interrupted: "Interrupted",
};

export function queryFor(filter: Filter, q: string, offset: number): Partial<HistoryQuery> {
  const query: Partial<HistoryQuery> = { offset, limit: PAGE };
  if (filter === "incoming" || filter === "outgoing") query.direction = filter;
  if (filter === "missed") query.cause = "missed";
  if (q.trim()) query.q = q.trim();
  return query;
}

function duration(ms: number | null): string {
  if (!ms) return "";
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function when(iso: string): string {
  const d = new Date(iso);
  return d.toLocaleString(undefined, { dateStyle: "short", timeStyle: "short" });
}

export function history(backend: Backend, dial: (to: string) => void) {
  let filter: Filter = "all";
  let offset = 0;
  let loading = 0;
  const list = h("ol", { class: "history-list", "aria-label": "Calls, newest first" });
  const more = h("button", { type: "button", class: "more", "data-testid": "history-more", hidden: true }, "Load more");
  const info = h("p", { class: "hint", role: "status" });
  const search = h("input", { type: "search", "aria-label": "Search history", placeholder: "Search name or number" });
  const filters = h(
    "div",
    { class: "filters", role: "radiogroup", "aria-label": "Which calls" },
    (["all", "incoming", "outgoing", "missed"] as Filter[]).map((f) =>
      h(
        "button",
        {
          type: "button",
          role: "radio",
          "aria-checked": String(f === filter),
          "data-filter": f,
          onclick: (e: Event) => {
            filter = f;
            for (const b of filters.querySelectorAll("button")) b.setAttribute("aria-checked", String(b === e.currentTarget));
            void reload();
          },
        },
        f[0]!.toUpperCase() + f.slice(1),
      ),
    ),
  );

  function row(e: HistoryEntry): HTMLLIElement {
    const number = entryNumber(e);
    const name = e.remoteName || number;
    const cause = e.endCause ?? "ongoing";
    const arrow = e.direction === "incoming" ? "↙" : "↗";
    return h(
      "li",
      { "data-testid": "history-row", "data-call-id": e.callId, "data-cause": cause, class: `cause-${cause}` },
      h(
        "button",
        {
          type: "button",
          class: "history-call",
          "aria-label": `Call ${name}: ${e.direction} ${CAUSE_WORDS[cause] ?? cause}, ${when(e.startedAt)}`,
          onclick: () => dial(number),
        },
        h("span", { class: "dir", "aria-hidden": "true" }, arrow),
        h("span", { class: "who" }, h("span", { class: "name" }, name), e.remoteName ? h("span", { class: "number" }, number) : null),
        h("span", { class: "cause" }, CAUSE_WORDS[cause] ?? cause),
        h("span", { class: "talk" }, duration(e.talkMs)),
        h("time", { datetime: e.startedAt }, when(e.startedAt)),
      ),
    );
  }

  async function load(append: boolean): Promise<void> {
    const seq = ++loading;
    try {
      const page = await backend.history(queryFor(filter, search.value, append ? offset : 0));
      if (seq !== loading) return;
      const rows = page.items.map(row);
      if (append) list.append(...rows);
      else list.replaceChildren(...rows);
      offset = (append ? offset : 0) + page.items.length;
      more.hidden = offset >= page.total;
      info.textContent = page.total === 0 ? "No calls yet." : `${page.total} call${page.total === 1 ? "" : "s"}`;
    } catch (e) {
      showError(info, e);
    }
  }
  const reload = () => load(false);

  let timer: ReturnType<typeof setTimeout> | null = null;
  search.addEventListener("input", () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void reload(), 250);
  });
  more.addEventListener("click", () => void load(true));

  const root = h(
    "section",
    { class: "view history", id: "view-history", "aria-labelledby": "history-heading", hidden: true },
    h("h2", { id: "history-heading" }, "History"),
    h("div", { class: "history-tools" }, filters, search),
    info,
    list,
    more,
  );
  return { root, reload };
}
