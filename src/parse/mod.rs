//! Feed bytes -> entries (wraps feed-rs).
//!
//! Owns everything about reading a feed document: dates as feeds really write
//! them ([`dates`]). Never does I/O: bytes in, plain data out.

pub mod dates;
pub mod dtd;
