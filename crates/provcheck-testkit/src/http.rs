//! Just enough HTTP/1.1 for tests: one request per connection, then `Connection: close`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::index::Request;

/// A response, before any fault is applied to the way it is written.
pub(crate) struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, content_type: &str, body: Vec<u8>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".to_owned(), content_type.to_owned())],
            body,
        }
    }

    pub fn text(status: u16, body: &str) -> Response {
        Response::new(
            status,
            "text/plain; charset=utf-8",
            body.as_bytes().to_vec(),
        )
    }

    pub fn json(status: u16, content_type: &str, value: &serde_json::Value) -> Response {
        let body = serde_json::to_vec_pretty(value).expect("a JSON value always serializes");
        Response::new(status, content_type, body)
    }

    pub fn redirect(location: &str) -> Response {
        let mut response = Response::text(301, "moved");
        response
            .headers
            .push(("Location".to_owned(), location.to_owned()));
        response
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// How the server answers one request.
pub(crate) enum Action {
    /// Write the whole response.
    Respond(Response),
    /// Announce the whole body in `Content-Length`, then send only part of it and hang up.
    Truncate(Response),
    /// Hang up without answering.
    Drop,
}

/// Reads one request head (and discards any body). `None` when the peer sent nothing
/// usable, e.g. the wake-up connection made when the server stops.
pub(crate) fn read_request(stream: &TcpStream) -> Option<Request> {
    // A test that hangs on a half-open connection is worse than one that fails.
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let trimmed = line.trim_end_matches(['\r', '\n']);
        if trimmed.is_empty() {
            break;
        }
        let (name, value) = trimmed.split_once(':')?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let body_len = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.parse::<u64>().ok())
        .unwrap_or(0);
    std::io::copy(&mut reader.take(body_len), &mut std::io::sink()).ok()?;
    Some(Request {
        method,
        path,
        headers,
    })
}

/// Writes what `action` says; errors are ignored because the client may hang up first.
pub(crate) fn write_action(mut stream: TcpStream, action: Action, head_only: bool) {
    let _ = match action {
        Action::Drop => stream.shutdown(Shutdown::Both),
        Action::Respond(response) => {
            let len = response.body.len();
            write_response(&mut stream, &response, len, len, head_only)
        }
        Action::Truncate(response) => {
            // Announce at least one byte more than is sent, even for an empty body.
            let announced = response.body.len().max(1);
            let sent = response.body.len() / 2;
            write_response(&mut stream, &response, announced, sent, head_only)
        }
    };
}

fn write_response(
    stream: &mut TcpStream,
    response: &Response,
    announced_len: usize,
    sent_len: usize,
    head_only: bool,
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {announced_len}\r\nConnection: close\r\n\r\n"
    ));
    stream.write_all(head.as_bytes())?;
    if !head_only {
        stream.write_all(&response.body[..sent_len])?;
    }
    stream.flush()?;
    stream.shutdown(Shutdown::Write)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// A loopback HTTP server: one thread accepts, one thread per connection answers (clients
/// under test download concurrently), stopped and joined when dropped.
pub(crate) struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Binds an ephemeral port of 127.0.0.1 and serves with the handler `make` builds
    /// for that address.
    ///
    /// # Panics
    /// When no loopback port can be bound: the test cannot run at all then.
    pub fn start<H>(name: &str, make: impl FnOnce(SocketAddr) -> H) -> Server
    where
        H: Fn(Request) -> Action + Send + Sync + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a port on 127.0.0.1");
        let addr = listener
            .local_addr()
            .expect("a bound socket has an address");
        let handler = Arc::new(make(addr));
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let connection_name = format!("{name}-conn");
        let thread = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                for stream in listener.incoming() {
                    if stopping.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let handler = Arc::clone(&handler);
                    let _ = std::thread::Builder::new()
                        .name(connection_name.clone())
                        .spawn(move || {
                            let Some(request) = read_request(&stream) else {
                                return;
                            };
                            let head_only = request.method == "HEAD";
                            let action = handler(request);
                            write_action(stream, action, head_only);
                        });
                }
            })
            .expect("spawn a fake server thread");
        Server {
            addr,
            stop,
            thread: Some(thread),
        }
    }

    /// The address served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // `accept` blocks: wake it with one last connection so the thread sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
