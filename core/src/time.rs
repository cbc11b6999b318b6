//! Capture time: nanoseconds since the Unix epoch, taken only from packet timestamps.

use std::fmt;

/// A capture timestamp in nanoseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Builds a timestamp from seconds and nanoseconds.
    pub fn from_parts(secs: i64, nanos: u32) -> Self {
        Timestamp(secs.saturating_mul(1_000_000_000).saturating_add(nanos as i64))
    }

    /// Whole seconds since the epoch (floor).
    pub fn secs(self) -> i64 {
        self.0.div_euclid(1_000_000_000)
    }

    /// Nanoseconds within the second.
    pub fn subsec_nanos(self) -> u32 {
        self.0.rem_euclid(1_000_000_000) as u32
    }

    /// Milliseconds elapsed from `earlier` to `self` (negative if `earlier` is later).
    pub fn millis_since(self, earlier: Timestamp) -> i64 {
        self.0.saturating_sub(earlier.0) / 1_000_000
    }

    /// This timestamp moved forward by `millis` milliseconds.
    pub fn plus_millis(self, millis: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(millis.saturating_mul(1_000_000)))
    }

    /// An RFC 3339 rendering in UTC with microseconds, e.g. `2026-11-01T10:00:00.123456Z`.
    pub fn rfc3339(self) -> Rfc3339 {
        Rfc3339(self)
    }
}

/// Display adapter that writes a [`Timestamp`] as RFC 3339 with microseconds, allocation-free.
pub struct Rfc3339(Timestamp);

impl Rfc3339 {
    /// The 27 bytes of the rendering. Nanoseconds in an `i64` span the years 1677 to 2262, so
    /// the year always has four digits.
    pub fn to_bytes(&self) -> [u8; 27] {
        let secs = self.0.secs();
        let mut out = *b"0000-00-00T00:00:00.000000Z";
        // The date is worked out once a day (a report's calls start and end in different
        // seconds, so caching the second would miss); the rest is digit pairs from a table.
        let days = secs.div_euclid(86_400);
        let (cached, date) = LAST_DAY.get();
        if cached == days {
            out[..10].copy_from_slice(&date);
        } else {
            let (y, m, d) = civil_from_days(days);
            let y = y.clamp(0, 9999) as usize;
            out[0..2].copy_from_slice(&PAIRS[y / 100]);
            out[2..4].copy_from_slice(&PAIRS[y % 100]);
            out[5..7].copy_from_slice(&PAIRS[m as usize]);
            out[8..10].copy_from_slice(&PAIRS[d as usize]);
            let mut date = [0u8; 10];
            date.copy_from_slice(&out[..10]);
            LAST_DAY.set((days, date));
        }
        let sod = secs.rem_euclid(86_400) as usize;
        out[11..13].copy_from_slice(&PAIRS[sod / 3600]);
        out[14..16].copy_from_slice(&PAIRS[sod / 60 % 60]);
        out[17..19].copy_from_slice(&PAIRS[sod % 60]);
        let micros = (self.0.subsec_nanos() / 1000) as usize;
        out[20..22].copy_from_slice(&PAIRS[micros / 10_000]);
        out[22..24].copy_from_slice(&PAIRS[micros / 100 % 100]);
        out[24..26].copy_from_slice(&PAIRS[micros % 100]);
        out
    }
}

/// `00` to `99`: decimal digits two at a time (times here, numbers in [`crate::packet`]).
pub(crate) static PAIRS: [[u8; 2]; 100] = {
    let mut t = [[0u8; 2]; 100];
    let mut v = 0;
    while v < 100 {
        t[v] = [b'0' + (v / 10) as u8, b'0' + (v % 10) as u8];
        v += 1;
    }
    t
};

thread_local! {
    /// The day last rendered and its first 10 bytes (`YYYY-MM-DD`).
    static LAST_DAY: std::cell::Cell<(i64, [u8; 10])> = const { std::cell::Cell::new((i64::MIN, [0; 10])) };
}

impl fmt::Display for Rfc3339 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = self.to_bytes();
        // Digits and separators only.
        f.write_str(std::str::from_utf8(&bytes).map_err(|_| fmt::Error)?)
    }
}

fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468; // days from 0000-03-01
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153; // 0 = March
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(Timestamp(0).rfc3339().to_string(), "1970-01-01T00:00:00.000000Z");
        // 2000-02-29 (leap day) 12:34:56.789012
        let t = Timestamp::from_parts(951_827_696, 789_012_345);
        assert_eq!(t.rfc3339().to_string(), "2000-02-29T12:34:56.789012Z");
        // 2026-11-21T05:55:21Z
        let t = Timestamp::from_parts(1_795_240_521, 0);
        assert_eq!(t.rfc3339().to_string(), "2026-11-21T05:55:21.000000Z");
        // before the epoch
        let t = Timestamp::from_parts(-1, 500_000_000);
        assert_eq!(t.rfc3339().to_string(), "1969-12-31T23:59:59.500000Z");
    }

    #[test]
    fn renders_like_the_formatter_across_the_whole_range() {
        let slow = |t: Timestamp| {
            let (secs, sod) = (t.secs(), t.secs().rem_euclid(86_400));
            let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
            let us = t.subsec_nanos() / 1000;
            format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{us:06}Z", sod / 3600, (sod / 60) % 60, sod % 60)
        };
        let mut t = i64::MIN;
        loop {
            assert_eq!(Timestamp(t).rfc3339().to_string(), slow(Timestamp(t)));
            match t.checked_add(7_777_777_777_777_777) {
                Some(next) => t = next,
                None => break,
            }
        }
        assert_eq!(Timestamp(i64::MAX).rfc3339().to_string(), slow(Timestamp(i64::MAX)));
        // Densely over three days around a year's end, going back and forth between two
        // instants as a report's start and end times do (the date is cached by day).
        let start = Timestamp::from_parts(1_798_675_200 - 86_400, 0).0; // 2026-12-30
        let mut t = start;
        while t < start + 3 * 86_400_000_000_000 {
            for at in [Timestamp(t), Timestamp(t - 40_000_123_457)] {
                assert_eq!(at.rfc3339().to_string(), slow(at));
            }
            t += 9_999_999_991;
        }
    }

    #[test]
    fn day_conversion_roundtrips_every_day_of_four_centuries() {
        let mut prev = civil_from_days(-1);
        for d in 0..146_097 {
            let cur = civil_from_days(d);
            assert!(cur > prev, "day {d} not after previous: {cur:?} {prev:?}");
            prev = cur;
        }
        assert_eq!(civil_from_days(146_096), (2369, 12, 31));
    }
}
