//! Connection limits and the registry of live connections.
//!
//! An accepted TCP connection first takes a *pending handshake* slot — one of
//! `max_pending_handshakes`, and one of its IP address's `max_pending_handshakes_per_ip` — for at
//! most `handshake_timeout`. Only a completed mutual-TLS handshake makes it *established*, with a
//! slot of its own: one of `max_connections`, of its address's `max_connections_per_ip` and of
//! its client certificate's `max_connections_per_cert`. A peer without a certificate therefore
//! holds at most its address's pending slots for a few seconds and never a connection slot; a
//! peer with a certificate at most its certificate's share.
//!
//! Every established connection is registered with its TLS client certificate, the sessions used
//! over it and a switch that closes it (hyper's graceful shutdown: the call in progress is
//! answered, then the connection ends). Revocation ([`crate::revocation`]) uses the registry to
//! close what a revoked certificate opened.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{Semaphore, watch};

use crate::GatewayConfig;

/// Sessions remembered per connection; beyond it the oldest knowledge is dropped (the per-call
/// re-check still refuses an ended session; only the prompt close would be lost).
const SESSIONS_PER_CONNECTION: usize = 256;

/// Why a connection was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// All pending-handshake slots are taken.
    Pending,
    /// The address's pending-handshake slots are taken.
    PendingPerIp,
    /// All connection slots are taken.
    Connections,
    /// The address's connection slots are taken.
    ConnectionsPerIp,
    /// The certificate's connection slots are taken.
    ConnectionsPerCert,
}

impl Refused {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending handshakes",
            Self::PendingPerIp => "pending handshakes of this address",
            Self::Connections => "connections",
            Self::ConnectionsPerIp => "connections of this address",
            Self::ConnectionsPerCert => "connections of this certificate",
        }
    }

    /// What the refused client is told (`GW_TOO_MANY_CONNECTIONS`), for each limit.
    pub(crate) fn message(self) -> &'static str {
        match self {
            Self::ConnectionsPerCert => {
                "too many connections over this certificate: close some and try again"
            }
            Self::ConnectionsPerIp => {
                "too many connections from this address (or its network): close some and try again"
            }
            Self::Connections => {
                "the gateway serves as many connections as it can at the moment: try again shortly"
            }
            Self::PendingPerIp => {
                "too many connections are being opened from this address (or its network): wait and try again"
            }
            Self::Pending => {
                "the gateway is opening as many connections as it can at the moment: try again shortly"
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Limits {
    pending: usize,
    pending_per_ip: usize,
    connections: usize,
    connections_per_ip: usize,
    connections_per_cert: usize,
    in_flight_per_cert: usize,
}

struct CertSlots {
    connections: usize,
    in_flight: Arc<Semaphore>,
}

#[derive(Default)]
struct State {
    pending: usize,
    pending_by_ip: HashMap<IpAddr, usize>,
    established: usize,
    established_by_ip: HashMap<IpAddr, usize>,
    by_cert: HashMap<String, CertSlots>,
    live: HashMap<u64, Arc<LiveConn>>,
}

/// The key an address is counted under by the per-address limits. One host or site usually
/// holds a whole IPv6 /64 and can pick any address in it, so an IPv6 address counts as its /64;
/// an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, a dual-stack socket) is the IPv4 address it
/// carries, counted with the same host's plain IPv4 connections.
pub(crate) fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(std::net::Ipv6Addr::from(prefix))
            }
        },
    }
}

fn decrement<K: std::hash::Hash + Eq>(map: &mut HashMap<K, usize>, key: &K) {
    if let Some(n) = map.get_mut(key) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            map.remove(key);
        }
    }
}

/// The counts and the live connections.
pub(crate) struct Registry {
    limits: Limits,
    next_id: AtomicU64,
    state: Mutex<State>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl Registry {
    pub(crate) fn new(config: &GatewayConfig) -> Arc<Self> {
        Arc::new(Self {
            limits: Limits {
                pending: config.max_pending_handshakes.max(1),
                pending_per_ip: config.max_pending_handshakes_per_ip.max(1),
                connections: config.max_connections.max(1),
                connections_per_ip: config.max_connections_per_ip.max(1),
                connections_per_cert: config.max_connections_per_cert.max(1),
                in_flight_per_cert: config.max_in_flight_per_cert.max(1),
            },
            next_id: AtomicU64::new(1),
            state: Mutex::new(State::default()),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The state holds counters only; a panic elsewhere cannot leave it half-updated.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// At accept: a pending-handshake slot for `ip`, or the reason to close the socket at once.
    /// An address already at its connection limit (or a full gateway) is refused here too,
    /// before any handshake work.
    pub(crate) fn begin(self: &Arc<Self>, ip: IpAddr) -> Result<Pending, Refused> {
        let ip = address_key(ip);
        let l = self.limits;
        let mut s = self.state();
        if s.established >= l.connections {
            return Err(Refused::Connections);
        }
        if s.established_by_ip.get(&ip).copied().unwrap_or(0) >= l.connections_per_ip {
            return Err(Refused::ConnectionsPerIp);
        }
        if s.pending >= l.pending {
            return Err(Refused::Pending);
        }
        let mine = s.pending_by_ip.entry(ip).or_insert(0);
        if *mine >= l.pending_per_ip {
            return Err(Refused::PendingPerIp);
        }
        *mine += 1;
        s.pending += 1;
        Ok(Pending {
            reg: self.clone(),
            ip,
        })
    }

    /// After the handshake: the pending slot becomes an established one over `cert_sha`, or the
    /// reason to refuse the connection (which keeps its pending slot until it is closed).
    pub(crate) fn establish(
        self: &Arc<Self>,
        pending: Pending,
        peer: SocketAddr,
        cert_sha: String,
        cert_der: Arc<[u8]>,
    ) -> Result<Established, (Refused, Pending)> {
        let l = self.limits;
        let mut s = self.state();
        if s.established >= l.connections {
            drop(s);
            return Err((Refused::Connections, pending));
        }
        let key = address_key(peer.ip());
        if s.established_by_ip.get(&key).copied().unwrap_or(0) >= l.connections_per_ip {
            drop(s);
            return Err((Refused::ConnectionsPerIp, pending));
        }
        let slots = s
            .by_cert
            .entry(cert_sha.clone())
            .or_insert_with(|| CertSlots {
                connections: 0,
                in_flight: Arc::new(Semaphore::new(l.in_flight_per_cert)),
            });
        if slots.connections >= l.connections_per_cert {
            drop(s);
            return Err((Refused::ConnectionsPerCert, pending));
        }
        slots.connections += 1;
        let in_flight = slots.in_flight.clone();
        s.established += 1;
        *s.established_by_ip.entry(key).or_insert(0) += 1;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (stop, _) = watch::channel(false);
        let conn = Arc::new(LiveConn {
            peer,
            cert_sha,
            cert_der,
            sessions: Mutex::new(HashSet::new()),
            stop,
            in_flight,
        });
        s.live.insert(id, conn.clone());
        drop(s);
        drop(pending);
        Ok(Established {
            reg: self.clone(),
            id,
            conn,
        })
    }

    /// The live connections now.
    pub(crate) fn live(&self) -> Vec<Arc<LiveConn>> {
        self.state().live.values().cloned().collect()
    }
}

/// A pending-handshake slot, given back when dropped.
pub(crate) struct Pending {
    reg: Arc<Registry>,
    /// The address's key ([`address_key`]).
    ip: IpAddr,
}

impl Drop for Pending {
    fn drop(&mut self) {
        let mut s = self.reg.state();
        s.pending = s.pending.saturating_sub(1);
        decrement(&mut s.pending_by_ip, &self.ip);
    }
}

/// An established connection's slot and registration, given back when dropped.
pub(crate) struct Established {
    reg: Arc<Registry>,
    id: u64,
    pub(crate) conn: Arc<LiveConn>,
}

impl Drop for Established {
    fn drop(&mut self) {
        let mut s = self.reg.state();
        s.live.remove(&self.id);
        s.established = s.established.saturating_sub(1);
        decrement(&mut s.established_by_ip, &address_key(self.conn.peer.ip()));
        if let Some(slots) = s.by_cert.get_mut(&self.conn.cert_sha) {
            slots.connections = slots.connections.saturating_sub(1);
            if slots.connections == 0 {
                s.by_cert.remove(&self.conn.cert_sha);
            }
        }
    }
}

/// One established connection.
pub(crate) struct LiveConn {
    /// The peer's address.
    pub(crate) peer: SocketAddr,
    /// SHA-256 (hex) of the TLS client certificate.
    pub(crate) cert_sha: String,
    /// The TLS client certificate (DER).
    pub(crate) cert_der: Arc<[u8]>,
    /// Sessions (token hashes) presented over this connection.
    sessions: Mutex<HashSet<String>>,
    stop: watch::Sender<bool>,
    /// The certificate's in-flight slots (shared by its connections).
    pub(crate) in_flight: Arc<Semaphore>,
}

impl std::fmt::Debug for LiveConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveConn")
            .field("peer", &self.peer)
            .field("cert_sha", &self.cert_sha)
            .finish_non_exhaustive()
    }
}

impl LiveConn {
    /// Close the connection: the call in progress (if any) is answered, then it ends.
    pub(crate) fn close(&self) {
        self.stop.send_replace(true);
    }

    /// Becomes true when the connection is to be closed.
    pub(crate) fn closing(&self) -> watch::Receiver<bool> {
        self.stop.subscribe()
    }

    /// Remember that the session `token_hash` was presented over this connection.
    pub(crate) fn used(&self, token_hash: &str) {
        let mut s = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        if s.contains(token_hash) {
            return;
        }
        if s.len() >= SESSIONS_PER_CONNECTION {
            s.clear();
        }
        s.insert(token_hash.to_string());
    }

    /// Was any of these sessions presented over this connection?
    pub(crate) fn used_any(&self, token_hashes: &HashSet<String>) -> bool {
        let s = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        s.iter().any(|t| token_hashes.contains(t))
    }
}

#[cfg(test)]
mod tests {
    use super::address_key;
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn ipv6_addresses_count_as_their_64() {
        let a = address_key(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd"));
        assert_eq!(a, ip("2001:db8:1:2::"));
        assert_eq!(address_key(ip("2001:db8:1:2::1")), a);
        assert_eq!(address_key(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")), a);
        assert_ne!(address_key(ip("2001:db8:1:3::1")), a);
        assert_eq!(address_key(ip("::1")), ip("::"));
    }

    #[test]
    fn ipv4_mapped_addresses_count_as_ipv4() {
        assert_eq!(address_key(ip("::ffff:192.0.2.7")), ip("192.0.2.7"));
        assert_eq!(
            address_key(ip("::ffff:192.0.2.7")),
            address_key(ip("192.0.2.7"))
        );
        assert_ne!(address_key(ip("::ffff:192.0.2.7")), ip("192.0.2.8"));
    }

    #[test]
    fn each_limit_has_its_own_message() {
        use super::Refused::*;
        let all = [
            Pending,
            PendingPerIp,
            Connections,
            ConnectionsPerIp,
            ConnectionsPerCert,
        ];
        let messages: std::collections::HashSet<_> = all.iter().map(|r| r.message()).collect();
        assert_eq!(messages.len(), all.len());
        assert!(ConnectionsPerCert.message().contains("this certificate"));
        assert!(ConnectionsPerIp.message().contains("this address"));
        assert!(!Connections.message().contains("certificate"));
    }

    #[test]
    fn ipv4_addresses_are_their_own_key() {
        assert_eq!(address_key(ip("127.0.0.1")), ip("127.0.0.1"));
        assert_ne!(address_key(ip("10.0.0.1")), address_key(ip("10.0.0.2")));
    }
}
