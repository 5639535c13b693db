// Dialtone embed page: relays the phone's events to the CRM page that frames it, and the
// CRM's dial/hangup requests to the bridge. The token comes in the URL fragment
// (/embed#token=...), which the browser never sends to any server.
(function () {
  "use strict";

  var token = new URLSearchParams(location.hash.slice(1)).get("token") || "";
  try {
    history.replaceState(null, "", location.pathname);
  } catch (e) {
    // Not fatal: the fragment just stays in this frame's address.
  }

  var MAX_RECONNECTS = 20;
  var parentOrigin = null;
  var activeCall = null;

  function candidateParent() {
    if (location.ancestorOrigins && location.ancestorOrigins.length > 0) {
      return location.ancestorOrigins[0];
    }
    try {
      return document.referrer ? new URL(document.referrer).origin : null;
    } catch (e) {
      return null;
    }
  }

  // Only ever to the approved parent, never to "any origin".
  function tell(message) {
    if (parentOrigin !== null && window.parent !== window) {
      window.parent.postMessage(message, parentOrigin);
    }
  }

  function api(method, path, body) {
    var init = { method: method, headers: { Authorization: "Bearer " + token } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (response) {
      if (response.status === 204) return null;
      return response.json().then(function (json) {
        if (!response.ok) {
          throw new Error((json.error && json.error.code) || "http_" + response.status);
        }
        return json;
      });
    });
  }

  function failed(error) {
    tell({ type: "error", message: String(error && error.message ? error.message : error) });
  }

  function registration(accountId, state, reason) {
    if (state === "registered") {
      tell({ type: "registered", accountId: accountId });
    } else {
      tell({ type: "unregistered", accountId: accountId, state: state, reason: reason || null });
    }
  }

  function relay(message) {
    var d = message.data || {};
    switch (message.event) {
      case "snapshot":
        (d.accounts || []).forEach(function (a) {
          registration(a.id, a.state, a.reason);
        });
        (d.calls || []).forEach(function (c) {
          activeCall = c.callId;
        });
        break;
      case "registration.changed":
        registration(d.accountId, d.state, d.reason);
        break;
      case "call.incoming":
        if (activeCall === null) activeCall = d.callId;
        tell({
          type: "incoming",
          callId: d.callId,
          number: (d.from && (d.from.number || d.from.uri)) || null,
          name: (d.from && d.from.displayName) || null
        });
        break;
      case "call.dialing":
        activeCall = d.callId;
        break;
      case "call.answered":
        activeCall = d.callId;
        tell({ type: "answered", callId: d.callId });
        break;
      case "call.ended":
        if (activeCall === d.callId) activeCall = null;
        if (d.cause === "rejected" || d.cause === "busy") {
          tell({ type: "rejected", callId: d.callId, cause: d.cause });
        } else {
          tell({ type: "hangup", callId: d.callId, cause: d.cause, durationMs: d.durationMs });
        }
        if (/microphone/i.test(d.reason || "")) {
          tell({ type: "mic_error", callId: d.callId, message: d.reason });
        }
        break;
      case "audio.device_changed":
        if (d.kind === "input" && !d.to) {
          tell({ type: "mic_error", device: d.from || null, message: d.reason });
        }
        break;
      case "events.lost":
        tell({ type: "error", message: "missed " + d.missed + " events" });
        break;
      default:
        break;
    }
  }

  function connect(attempt) {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/v1/events", [
      "dialtone.v1",
      "dialtone.bearer." + token
    ]);
    socket.onopen = function () {
      attempt = 0;
    };
    socket.onmessage = function (event) {
      try {
        relay(JSON.parse(event.data));
      } catch (e) {
        failed(e);
      }
    };
    socket.onclose = function () {
      tell({ type: "error", message: "the connection to Dialtone closed" });
      if (attempt < MAX_RECONNECTS) {
        setTimeout(function () {
          connect(attempt + 1);
        }, Math.min(30000, 1000 * Math.pow(2, attempt)));
      }
    };
  }

  window.addEventListener("message", function (event) {
    if (parentOrigin === null || event.origin !== parentOrigin || event.source !== window.parent) {
      return;
    }
    var request = event.data || {};
    if (request.type === "dial" && typeof request.number === "string") {
      api("POST", "/v1/calls", { to: request.number, source: "embed", parentOrigin: parentOrigin })
        .then(function (created) {
          activeCall = created.callId;
          tell({ type: "dialing", callId: created.callId });
        })
        .catch(failed);
    } else if (request.type === "hangup") {
      var callId = typeof request.callId === "string" ? request.callId : activeCall;
      if (callId) {
        api("POST", "/v1/calls/" + encodeURIComponent(callId) + "/hangup").catch(failed);
      }
    }
  });

  if (token === "") return;
  api("GET", "/v1/embed/origins")
    .then(function (answer) {
      var candidate = candidateParent();
      if (candidate !== null && answer.origins.indexOf(candidate) >= 0) {
        parentOrigin = candidate;
        connect(0);
      }
    })
    .catch(function () {
      // No approved parent to tell: stay silent.
    });
})();
