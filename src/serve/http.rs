//! A minimal HTTP/1.1 server on std's TcpListener: one request per connection
//! (`Connection: close`), a bounded head and body, read and write timeouts. Written here rather
//! than taken from a crate because tiny_http 0.12 allocates a request's whole announced
//! `Content-Length` when it drops an unread body, so one request announcing 100 GB aborted the
//! process (found by the fuzz test of tests/aidc/serve/).

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// The largest request head (request line and headers), bytes.
pub const MAX_HEAD: usize = 8 * 1024;
/// How long a client may take to send its request, and the server to write a piece of a reply.
const TIMEOUT: Duration = Duration::from_secs(15);

/// A request whose head and body were read.
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The request target as sent (`/api/run?x=1`).
    pub target: String,
    /// The body (at most the caller's bound).
    pub body: Vec<u8>,
    /// The connection, to answer on.
    pub stream: TcpStream,
}

/// Why a request could not be read: the status to answer, and why.
pub struct Bad(pub u16, pub String);

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Payload Too Large",
        414 => "URI Too Long",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

/// Binds `addr`.
pub fn bind(addr: &str) -> io::Result<TcpListener> {
    TcpListener::bind(addr)
}

/// Reads one request from `stream`: a head of at most [`MAX_HEAD`] bytes and a body of at most
/// `max_body` bytes (announced by `Content-Length`; chunked bodies are refused).
pub fn read(mut stream: TcpStream, max_body: usize) -> Result<Request, (TcpStream, Bad)> {
    let _ = stream.set_read_timeout(Some(TIMEOUT));
    let _ = stream.set_write_timeout(Some(TIMEOUT));
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let end = loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        if buf.len() > MAX_HEAD {
            return Err((stream, Bad(431, format!("the request head is longer than {MAX_HEAD} bytes"))));
        }
        match stream.read(&mut chunk) {
            Ok(0) => return Err((stream, Bad(400, "the request ended before its head".into()))),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(_) => return Err((stream, Bad(408, "the request was not sent in time".into()))),
        }
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let line = lines.next().unwrap_or("");
    let parts: Vec<&str> = line.split(' ').collect();
    let [method, target, version] = parts[..] else {
        return Err((stream, Bad(400, "expected a request line `METHOD TARGET HTTP/1.1`".into())));
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) || !version.starts_with("HTTP/1.") || !target.starts_with('/') {
        return Err((stream, Bad(400, "expected a request line `METHOD /PATH HTTP/1.1`".into())));
    }
    let mut length = 0usize;
    for h in lines {
        let Some((name, value)) = h.split_once(':') else {
            return Err((stream, Bad(400, "a header without a colon".into())));
        };
        let name = name.trim().to_ascii_lowercase();
        if name == "content-length" {
            match value.trim().parse::<u64>() {
                Ok(n) if n as usize <= max_body && n <= max_body as u64 => length = n as usize,
                Ok(_) => return Err((stream, Bad(413, format!("the request body is larger than {max_body} bytes")))),
                Err(_) => return Err((stream, Bad(400, "Content-Length is not a number".into()))),
            }
        } else if name == "transfer-encoding" {
            return Err((stream, Bad(411, "send the body with a Content-Length".into())));
        }
    }
    let mut body = buf[end + 4..].to_vec();
    if body.len() > length {
        body.truncate(length);
    }
    while body.len() < length {
        match stream.read(&mut chunk) {
            Ok(0) => return Err((stream, Bad(400, "the request ended before its body".into()))),
            Ok(n) => body.extend_from_slice(&chunk[..n.min(length - body.len())]),
            Err(_) => return Err((stream, Bad(408, "the request body was not sent in time".into()))),
        }
    }
    let (method, target) = (method.to_string(), target.to_string());
    Ok(Request { method, target, body, stream })
}

/// Writes a whole reply and closes the connection.
pub fn reply(mut stream: TcpStream, status: u16, content_type: &str, body: &[u8], head_only: bool) {
    let head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-store\r\n\
         X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
        reason(status),
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    if !head_only {
        let _ = stream.write_all(body);
    }
    let _ = stream.flush();
    let _ = stream.shutdown(std::net::Shutdown::Both);
}

/// Starts a chunked `text/event-stream` reply (its chunks are written by
/// [`super::stream::send`]).
pub fn start_events(stream: &mut TcpStream) -> io::Result<()> {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-store\r\n\
                X-Content-Type-Options: nosniff\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    stream.write_all(head.as_bytes())?;
    stream.flush()
}
