//! A minimal JSON-RPC client over HTTP/1.1: one request per connection, which is all
//! a command-line client and the tests need, with no HTTP or async stack to build.

use crate::ClientError;
use serde_json::{json, Value};
use std::{
	io::{Read, Write},
	net::TcpStream,
	time::Duration,
};

/// A node's JSON-RPC endpoint.
#[derive(Clone, Debug)]
pub struct RpcClient {
	/// `host:port`.
	address: String,
}

impl RpcClient {
	/// An endpoint given as `ws://host:port`, `http://host:port` or `host:port` (the
	/// node serves HTTP and WebSocket on the same port).
	pub fn new(url: &str) -> Result<Self, ClientError> {
		let address = url
			.trim_start_matches("ws://")
			.trim_start_matches("http://")
			.trim_end_matches('/')
			.to_owned();
		if address.is_empty() || !address.contains(':') || address.contains('/') {
			return Err(ClientError::BadUrl(url.to_owned()));
		}
		Ok(Self { address })
	}

	/// Call `method` with `params`; the result, or the node's error.
	pub fn call(&self, method: &str, params: Value) -> Result<Value, ClientError> {
		let unreachable = |error: std::io::Error| ClientError::Unreachable {
			address: self.address.clone(),
			error: error.to_string(),
		};
		let body =
			json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params }).to_string();
		let mut stream = TcpStream::connect(&self.address).map_err(unreachable)?;
		stream.set_read_timeout(Some(Duration::from_secs(30))).map_err(unreachable)?;
		write!(
			stream,
			"POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
			self.address,
			body.len(),
			body
		)
		.map_err(unreachable)?;
		let mut response = String::new();
		stream.read_to_string(&mut response).map_err(unreachable)?;
		let payload = response
			.split_once("\r\n\r\n")
			.map(|(_, payload)| payload)
			.ok_or_else(|| ClientError::BadResponse(response.clone()))?;
		let reply: Value = serde_json::from_str(payload)
			.map_err(|error| ClientError::BadResponse(format!("{error}: {payload}")))?;
		match reply.get("error") {
			Some(error) => Err(ClientError::Rpc { method: method.to_owned(), error: error.to_string() }),
			None => Ok(reply["result"].clone()),
		}
	}
}
