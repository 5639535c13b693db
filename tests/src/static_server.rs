//! A static file server on 127.0.0.1 for a built web app (the UI's `ui/dist`): GET a path,
//! get the file under the root (`/` is `index.html`), with a content type from its
//! extension. Nothing outside the root is served. Or one page for every path (a stand-in
//! CRM for the browser tests).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{ensure, Result};

pub struct StaticServer {
    port: u16,
    stop: Arc<AtomicBool>,
}

/// What a GET of a target gets: its content type and body, or `None` for a 404.
type Content = dyn Fn(&str) -> Option<(&'static str, Vec<u8>)> + Send + Sync;

impl StaticServer {
    /// Serves `root`, which must hold an `index.html`.
    pub fn start(root: &Path) -> Result<StaticServer> {
        ensure!(
            root.join("index.html").is_file(),
            "{} has no index.html: build the UI first (`cd ui && npm run build`)",
            root.display()
        );
        let root = root.to_path_buf();
        Self::serving(Arc::new(move |target: &str| {
            let path = resolve(&root, target)?;
            let body = std::fs::read(&path).ok()?;
            Some((content_type(&path), body))
        }))
    }

    /// Serves `html` for every path (a stand-in web page, such as a CRM).
    pub fn single_page(html: String) -> Result<StaticServer> {
        Self::serving(Arc::new(move |_: &str| {
            Some(("text/html; charset=utf-8", html.clone().into_bytes()))
        }))
    }

    fn serving(content: Arc<Content>) -> Result<StaticServer> {
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
                    let content = content.clone();
                    std::thread::spawn(move || {
                        let _ = serve(stream, &*content);
                    });
                }
            }
        });
        Ok(StaticServer { port, stop })
    }

    /// `http://127.0.0.1:<port>`
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json") => "application/json",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// The file a request path names under `root`, refusing `..` and absolute parts.
fn resolve(root: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let path = if path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_owned()
    };
    let relative = Path::new(path.trim_start_matches('/'));
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let full = root.join(relative);
    full.is_file().then_some(full)
}

fn serve(stream: TcpStream, content: &Content) -> Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    for _ in 0..100 {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("/");
    let mut out = stream;
    let found = (method == "GET" || method == "HEAD")
        .then(|| content(target))
        .flatten();
    match found {
        Some((content_type, body)) => {
            write!(
                out,
                "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
                content_type,
                body.len()
            )?;
            if method == "GET" {
                out.write_all(&body)?;
            }
        }
        None => {
            let body = "not found";
            write!(
                out,
                "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_outside_the_root_are_refused() -> Result<()> {
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join("index.html"), "x")?;
        assert!(resolve(dir.path(), "/../etc/passwd").is_none());
        assert_eq!(
            resolve(dir.path(), "/?bridge=1#t"),
            Some(dir.path().join("index.html"))
        );
        assert!(resolve(dir.path(), "/missing.js").is_none());
        Ok(())
    }
}
