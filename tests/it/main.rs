//! Integration tests: the real daemon against loopback servers and a
//! temp-dir SQLite file. One binary, organised by behaviour.

mod support;

mod backup;
mod cli;
mod config_files;
mod logs;
mod opml;
mod pipeline;
mod retention;
mod search;
mod service;
mod stories;
mod topics;
