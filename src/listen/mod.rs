//! Network inputs other than capture: collectors that receive what capture agents send.

pub mod hep;
