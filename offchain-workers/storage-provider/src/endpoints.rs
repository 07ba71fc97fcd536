//! Which provider endpoints a repair, or a compute worker reading a stored file, may fetch
//! from. Endpoints are whatever providers registered, so outside development and local chains
//! a fetch refuses any that names or resolves to a loopback, private, link-local or otherwise
//! non-public address: an endpoint must not be able to steer this node at services on its own
//! host or network. Names are checked where they are resolved ([`PublicResolver`]), so a name
//! cannot pass the check and then connect elsewhere; redirects are never followed.

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Whether `ip` is an address of the public internet.
pub fn is_public(ip: IpAddr) -> bool {
	match ip {
		IpAddr::V4(v4) => is_public_v4(v4),
		IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
			Some(v4) => is_public_v4(v4),
			None => is_public_v6(v6),
		},
	}
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
	let [a, b, ..] = ip.octets();
	!(ip.is_unspecified()
		|| ip.is_loopback()
		|| ip.is_private()
		|| ip.is_link_local()
		|| ip.is_broadcast()
		|| ip.is_documentation()
		|| ip.is_multicast()
		// Shared address space (carrier-grade NAT), 100.64.0.0/10.
		|| (a == 100 && (b & 0xc0) == 64)
		// "This network" 0.0.0.0/8, and the reserved 240.0.0.0/4.
		|| a == 0
		|| a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
	let first = ip.segments()[0];
	!(ip.is_unspecified()
		|| ip.is_loopback()
		|| ip.is_multicast()
		// Unique local fc00::/7 and link-local fe80::/10.
		|| (first & 0xfe00) == 0xfc00
		|| (first & 0xffc0) == 0xfe80
		// Documentation 2001:db8::/32.
		|| (first == 0x2001 && ip.segments()[1] == 0x0db8))
}

/// Refuses an endpoint whose host is a non-public IP address; names are left to
/// [`PublicResolver`].
pub fn check_literal(endpoint: &str) -> Result<(), String> {
	let url = url::Url::parse(endpoint.trim())
		.map_err(|error| format!("not an endpoint {endpoint:?}: {error}"))?;
	let ip = match url.host() {
		Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
		Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
		_ => return Ok(()),
	};
	if is_public(ip) {
		Ok(())
	} else {
		Err(format!("endpoint {endpoint} is not a public address; refused on this chain"))
	}
}

/// Resolves names with the system resolver and keeps only public addresses.
pub struct PublicResolver;

impl Resolve for PublicResolver {
	fn resolve(&self, name: Name) -> Resolving {
		Box::pin(async move {
			let host = name.as_str().to_owned();
			let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
				.await?
				.filter(|address| is_public(address.ip()))
				.collect();
			if addresses.is_empty() {
				return Err(format!("{host} resolves to no public address").into());
			}
			Ok(Box::new(addresses.into_iter()) as Addrs)
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	/// How it fails: a check that misses one of these ranges lets an endpoint reach the
	/// node's own host or network.
	#[test]
	fn internal_addresses_are_not_public() {
		for internal in [
			"127.0.0.1",
			"10.0.0.1",
			"172.16.5.4",
			"192.168.1.1",
			"169.254.169.254",
			"100.64.0.1",
			"0.0.0.0",
			"0.1.2.3",
			"255.255.255.255",
			"240.0.0.1",
			"224.0.0.1",
			"::1",
			"::",
			"fc00::1",
			"fd12:3456::1",
			"fe80::1",
			"::ffff:127.0.0.1",
			"::ffff:10.0.0.1",
			"2001:db8::1",
		] {
			assert!(!is_public(internal.parse().unwrap()), "{internal}");
		}
		for public in ["8.8.8.8", "1.1.1.1", "100.128.0.1", "2a00:1450:4001::1", "::ffff:8.8.8.8"] {
			assert!(is_public(public.parse().unwrap()), "{public}");
		}
	}

	#[test]
	fn literal_endpoints_are_checked_and_names_left_to_the_resolver() {
		assert!(check_literal("http://127.0.0.1:30400").is_err());
		assert!(check_literal("http://[::1]:30400").is_err());
		assert!(check_literal("http://169.254.169.254/latest").is_err());
		assert!(check_literal("http://8.8.8.8:30400").is_ok());
		assert!(check_literal("http://storage.example.org:30400").is_ok());
	}

	#[test]
	fn the_resolver_refuses_names_of_internal_addresses() {
		let name: Name = "localhost".parse().unwrap();
		let runtime = tokio::runtime::Runtime::new().unwrap();
		let error = match runtime.block_on(PublicResolver.resolve(name)) {
			Ok(addresses) => panic!("resolved to {:?}", addresses.collect::<Vec<_>>()),
			Err(error) => error.to_string(),
		};
		assert_eq!(error, "localhost resolves to no public address");
	}
}
