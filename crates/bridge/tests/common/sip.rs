//! A SIP peer on 127.0.0.1 that answers every INVITE with 486 Busy Here, so a call placed
//! through the bridge ends at once and lands in the history.

use anyhow::Result;
use tokio::net::UdpSocket;
use tokio::task::JoinHandle;

pub struct BusyPeer {
    pub port: u16,
    task: JoinHandle<()>,
}

impl Drop for BusyPeer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn busy_peer() -> Result<BusyPeer> {
    let socket = UdpSocket::bind("127.0.0.1:0").await?;
    let port = socket.local_addr()?.port();
    let task = tokio::spawn(async move {
        let mut buffer = vec![0u8; 65_536];
        // Bounded: a test places a handful of calls.
        for _ in 0..1000 {
            let Ok((n, from)) = socket.recv_from(&mut buffer).await else {
                return;
            };
            let request = String::from_utf8_lossy(&buffer[..n]).to_string();
            if !request.starts_with("INVITE ") {
                continue;
            }
            let _ = socket.send_to(busy(&request).as_bytes(), from).await;
        }
    });
    Ok(BusyPeer { port, task })
}

/// `486 Busy Here` for `request`, echoing Via, From, Call-ID and CSeq, and tagging To.
fn busy(request: &str) -> String {
    let mut response = String::from("SIP/2.0 486 Busy Here\r\n");
    for line in request.split("\r\n").skip(1) {
        let name = line
            .split(':')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match name.as_str() {
            "via" | "v" | "from" | "f" | "call-id" | "i" | "cseq" => {
                response.push_str(line);
                response.push_str("\r\n");
            }
            "to" | "t" => {
                response.push_str(line);
                if !line.contains(";tag=") {
                    response.push_str(";tag=busy1");
                }
                response.push_str("\r\n");
            }
            _ => {}
        }
    }
    response.push_str("Content-Length: 0\r\n\r\n");
    response
}
