//! Exports: writing what sipscope saw to files other tools read.

pub mod hep;
pub mod media;
pub mod pcap;
