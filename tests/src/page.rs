//! The stand-in CRM page of the browser tests (served with
//! [`StaticServer::single_page`](crate::static_server::StaticServer::single_page)).

/// The CRM page: a hidden iframe with the bridge's `/embed` (token in the fragment), a Call
/// button posting `{type: "dial", number}` and a Hang up button posting `{type: "hangup"}`;
/// every message from the phone is kept in `window.phoneEvents`.
pub fn crm_page(bridge_origin: &str, token: &str, number: &str) -> String {
    format!(
        r#"<!doctype html>
<html><head><meta charset="utf-8"><title>Test CRM</title></head>
<body>
<h1>Test CRM</h1>
<button id="call">Call {number}</button> <button id="hangup">Hang up</button>
<pre id="log"></pre>
<iframe id="phone" title="Dialtone" src="{bridge_origin}/embed#token={token}" style="display:none"></iframe>
<script>
window.phoneEvents = [];
const BRIDGE = "{bridge_origin}";
window.addEventListener("message", (e) => {{
  if (e.origin !== BRIDGE) return;
  window.phoneEvents.push(e.data);
  document.getElementById("log").textContent += JSON.stringify(e.data) + "\n";
}});
const phone = () => document.getElementById("phone").contentWindow;
document.getElementById("call").onclick = () => phone().postMessage({{ type: "dial", number: "{number}" }}, BRIDGE);
document.getElementById("hangup").onclick = () => phone().postMessage({{ type: "hangup" }}, BRIDGE);
</script>
</body></html>
"#
    )
}
