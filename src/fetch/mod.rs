//! All outbound HTTP: conditional GET, limits, charset, address guard.
//!
//! Only this module talks to the network. It owns: decoding bodies to UTF-8
//! ([`charset`]), refusing private and odd addresses on every connection
//! ([`guard`]), and being polite to the hosts it polls ([`politeness`]).

pub mod body;
pub mod charset;
pub mod discover;
pub mod guard;
pub mod politeness;
