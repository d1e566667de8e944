//! Integration tests: the real daemon against loopback servers and a
//! temp-dir SQLite file. One binary, organised by behaviour.

mod support;

mod backup;
mod cli;
mod config_files;
mod crash;
mod disk;
mod extraction;
mod fetching;
mod fuzz_regressions;
mod hostile;
mod logs;
mod opml;
mod pipeline;
mod polling;
mod publishing;
mod retention;
mod search;
mod service;
mod stories;
mod topics;
mod xss;
