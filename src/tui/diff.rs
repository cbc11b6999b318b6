//! Line differences between two messages, for the compare view: the longest common subsequence
//! of their lines, then each run of removed and added lines paired up side by side (a Via or
//! CSeq that changed shows as one changed row, not as a removal and an addition).

/// One row of a side-by-side comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row<'a> {
    /// The same line on both sides.
    Same(&'a str),
    /// A line of the left replaced by a line of the right.
    Changed(&'a str, &'a str),
    /// A line only the left has.
    Left(&'a str),
    /// A line only the right has.
    Right(&'a str),
}

/// Most lines of each side compared by their common subsequence; lines past it are paired by
/// position (a SIP message of more lines is a large body, and the table grows with the square).
pub const MAX_LINES: usize = 1_000;

/// The rows comparing `a` (left) with `b` (right), top to bottom.
pub fn side_by_side<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<Row<'a>> {
    let (na, nb) = (a.len().min(MAX_LINES), b.len().min(MAX_LINES));
    // lcs[i][j]: length of the common subsequence of a[i..na] and b[j..nb].
    let width = nb + 1;
    let mut lcs = vec![0u16; (na + 1) * width];
    for i in (0..na).rev() {
        for j in (0..nb).rev() {
            lcs[i * width + j] = if a[i] == b[j] {
                lcs[(i + 1) * width + j + 1] + 1
            } else {
                lcs[(i + 1) * width + j].max(lcs[i * width + j + 1])
            };
        }
    }
    let mut rows = Vec::with_capacity(na.max(nb));
    let (mut removed, mut added): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
    // A run of removed and added lines: a header changed when both sides have one of its name
    // (the first unpaired one); other lines (start lines, SDP) pair in order when neither side
    // has a header name; the rest stand alone, the left's in place, the right's after them.
    let flush = |rows: &mut Vec<Row<'a>>, removed: &mut Vec<&'a str>, added: &mut Vec<&'a str>| {
        let mut taken = vec![false; added.len()];
        for l in removed.iter() {
            let partner = match header_name(l) {
                Some(name) => added.iter().enumerate().find(|(k, r)| {
                    !taken[*k] && header_name(r).is_some_and(|n| n.eq_ignore_ascii_case(name))
                }),
                None => added.iter().enumerate().find(|(k, r)| !taken[*k] && header_name(r).is_none()),
            };
            match partner {
                Some((k, r)) => {
                    taken[k] = true;
                    rows.push(Row::Changed(l, r));
                }
                None => rows.push(Row::Left(l)),
            }
        }
        rows.extend(added.iter().zip(&taken).filter(|(_, t)| !**t).map(|(r, _)| Row::Right(r)));
        removed.clear();
        added.clear();
    };
    let (mut i, mut j) = (0, 0);
    while i < na || j < nb {
        if i < na && j < nb && a[i] == b[j] {
            flush(&mut rows, &mut removed, &mut added);
            rows.push(Row::Same(a[i]));
            i += 1;
            j += 1;
        } else if j < nb && (i == na || lcs[i * width + j + 1] >= lcs[(i + 1) * width + j]) {
            added.push(b[j]);
            j += 1;
        } else {
            removed.push(a[i]);
            i += 1;
        }
    }
    flush(&mut rows, &mut removed, &mut added);
    // Past the bound: by position.
    let (ra, rb) = (&a[na..], &b[nb..]);
    for k in 0..ra.len().max(rb.len()) {
        rows.push(match (ra.get(k), rb.get(k)) {
            (Some(x), Some(y)) if x == y => Row::Same(x),
            (Some(x), Some(y)) => Row::Changed(x, y),
            (Some(x), None) => Row::Left(x),
            (None, Some(y)) => Row::Right(y),
            (None, None) => break,
        });
    }
    rows
}

/// The header name of a line (`Via` in `Via: SIP/2.0/UDP …`), if it is a header line.
fn header_name(line: &str) -> Option<&str> {
    let (name, _) = line.split_once(':')?;
    let name = name.trim_end();
    (!name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')).then_some(name)
}

/// How many rows differ: (changed, only left, only right).
pub fn counts(rows: &[Row<'_>]) -> (usize, usize, usize) {
    rows.iter().fold((0, 0, 0), |(c, l, r), row| match row {
        Row::Same(_) => (c, l, r),
        Row::Changed(..) => (c + 1, l, r),
        Row::Left(_) => (c, l + 1, r),
        Row::Right(_) => (c, l, r + 1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_headers_pair_up_and_extra_lines_stand_alone() {
        let a = [
            "INVITE sip:b@x SIP/2.0",
            "Via: SIP/2.0/UDP a;branch=z9hG4bK1",
            "CSeq: 1 INVITE",
            "Max-Forwards: 70",
            "",
        ];
        let b = [
            "INVITE sip:b@x SIP/2.0",
            "Via: SIP/2.0/UDP a;branch=z9hG4bK2",
            "CSeq: 2 INVITE",
            "Authorization: Digest x",
            "Max-Forwards: 70",
            "",
        ];
        let rows = side_by_side(&a, &b);
        assert_eq!(
            rows,
            vec![
                Row::Same("INVITE sip:b@x SIP/2.0"),
                Row::Changed("Via: SIP/2.0/UDP a;branch=z9hG4bK1", "Via: SIP/2.0/UDP a;branch=z9hG4bK2"),
                Row::Changed("CSeq: 1 INVITE", "CSeq: 2 INVITE"),
                Row::Right("Authorization: Digest x"),
                Row::Same("Max-Forwards: 70"),
                Row::Same(""),
            ]
        );
        assert_eq!(counts(&rows), (2, 0, 1));
    }

    /// Different messages of one call: headers pair by name, not by position.
    #[test]
    fn headers_pair_by_name() {
        let invite =
            ["INVITE sip:b@x SIP/2.0", "Contact: <sip:a@1>", "Max-Forwards: 70", "Content-Length:   192", ""];
        let trying = ["SIP/2.0 100 Trying", "Server: x", "Content-Length: 0", ""];
        assert_eq!(
            side_by_side(&invite, &trying),
            vec![
                Row::Changed("INVITE sip:b@x SIP/2.0", "SIP/2.0 100 Trying"),
                Row::Left("Contact: <sip:a@1>"),
                Row::Left("Max-Forwards: 70"),
                Row::Changed("Content-Length:   192", "Content-Length: 0"),
                Row::Right("Server: x"),
                Row::Same(""),
            ]
        );
    }

    #[test]
    fn identical_empty_and_one_sided() {
        let a = ["x", "y"];
        assert_eq!(side_by_side(&a, &a), vec![Row::Same("x"), Row::Same("y")]);
        assert_eq!(side_by_side(&[], &[]), vec![]);
        assert_eq!(side_by_side(&a, &[]), vec![Row::Left("x"), Row::Left("y")]);
        assert_eq!(side_by_side(&[], &a), vec![Row::Right("x"), Row::Right("y")]);
    }

    #[test]
    fn every_line_of_both_sides_appears_once_in_order() {
        // Deterministic pseudo-random line lists over a small alphabet (many repeats).
        let mut seed = 7u64;
        let mut next = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        let words = ["a", "b", "c", "d", "e"];
        for _ in 0..200 {
            let a: Vec<&str> = (0..next() % 12).map(|_| words[next() % 5]).collect();
            let b: Vec<&str> = (0..next() % 12).map(|_| words[next() % 5]).collect();
            let rows = side_by_side(&a, &b);
            let left: Vec<&str> = rows
                .iter()
                .filter_map(|r| match r {
                    Row::Same(l) | Row::Left(l) | Row::Changed(l, _) => Some(*l),
                    Row::Right(_) => None,
                })
                .collect();
            let right: Vec<&str> = rows
                .iter()
                .filter_map(|r| match r {
                    Row::Same(l) | Row::Right(l) | Row::Changed(_, l) => Some(*l),
                    Row::Left(_) => None,
                })
                .collect();
            assert_eq!(left, a);
            assert_eq!(right, b);
            // The common lines are a longest common subsequence (its length computed another way).
            let same = rows.iter().filter(|r| matches!(r, Row::Same(_))).count();
            let mut dp = vec![vec![0usize; b.len() + 1]; a.len() + 1];
            for i in 1..=a.len() {
                for j in 1..=b.len() {
                    dp[i][j] = if a[i - 1] == b[j - 1] {
                        dp[i - 1][j - 1] + 1
                    } else {
                        dp[i - 1][j].max(dp[i][j - 1])
                    };
                }
            }
            assert_eq!(same, dp[a.len()][b.len()], "{a:?} {b:?}");
        }
    }

    #[test]
    fn past_the_bound_lines_pair_by_position() {
        let a: Vec<String> = (0..MAX_LINES + 3).map(|i| format!("l{i}")).collect();
        let mut b = a.clone();
        b[MAX_LINES + 1] = "other".into();
        let (a, b): (Vec<&str>, Vec<&str>) =
            (a.iter().map(|s| s.as_str()).collect(), b.iter().map(|s| s.as_str()).collect());
        let rows = side_by_side(&a, &b);
        assert_eq!(rows.len(), MAX_LINES + 3);
        assert!(rows[..MAX_LINES].iter().all(|r| matches!(r, Row::Same(_))));
        assert_eq!(counts(&rows), (1, 0, 0));
        assert_eq!(rows[MAX_LINES + 1], Row::Changed("l1001", "other"));
    }
}
