//! Exports: writing what sipscope saw to files, collectors and scrapers other tools read.

pub mod findings;
pub mod hep;
pub mod http;
pub mod media;
pub mod pcap;
pub mod prometheus;
