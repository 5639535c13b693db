//! A static web page server on 127.0.0.1 (a stand-in CRM for the browser tests): every GET
//! gets the same HTML.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;

pub struct PageServer {
    port: u16,
    stop: Arc<AtomicBool>,
}

impl PageServer {
    pub fn start(html: String) -> Result<PageServer> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::Relaxed) {
                    return;
                }
                if let Ok(stream) = stream {
                    let _ = serve(stream, &html);
                }
            }
        });
        Ok(PageServer { port, stop })
    }

    /// `http://127.0.0.1:<port>`
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for PageServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(stream: TcpStream, html: &str) -> Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    for _ in 0..100 {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
    }
    let mut out = stream;
    write!(
        out,
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{html}",
        html.len()
    )?;
    out.flush()?;
    Ok(())
}

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
