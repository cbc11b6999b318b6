//! Fitting text output to the terminal: the width to write for (`COLUMNS`, the terminal, or
//! 100), and a writer that wraps every line longer than that at spaces, continuing it under
//! itself, indented.

use std::io::{self, IsTerminal, Write};

/// Width used when neither `COLUMNS` nor a terminal says otherwise.
pub const DEFAULT_WIDTH: usize = 100;
/// Narrowest width written for (a smaller `COLUMNS` is raised to it).
pub const MIN_WIDTH: usize = 60;

/// The width text reports are written for: `COLUMNS` when set to a number (shells set it but do
/// not export it; scripts can), else the width of the terminal standard output goes to, else
/// [`DEFAULT_WIDTH`]. Never below [`MIN_WIDTH`].
pub fn output_width() -> usize {
    let from_env = std::env::var("COLUMNS").ok().and_then(|v| v.trim().parse::<usize>().ok());
    let from_tty = || {
        io::stdout()
            .is_terminal()
            .then(crossterm::terminal::size)
            .and_then(Result::ok)
            .map(|(w, _)| w as usize)
    };
    from_env.or_else(from_tty).unwrap_or(DEFAULT_WIDTH).max(MIN_WIDTH)
}

/// Shortens text to `n` terminal columns with an ellipsis (a wide character counts two columns,
/// a combining mark none).
pub fn cut(s: &str, n: usize) -> String {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    if s.width() <= n {
        return s.to_string();
    }
    let room = n.saturating_sub(1);
    let mut out = String::with_capacity(s.len().min(4 * n + 3));
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > room {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// Greedy word wrap of `text` into lines of at most `width` characters (a longer word stands
/// alone); none for blank text.
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Cuts `line` into pieces of at most `width` characters at spaces; the pieces after the first
/// are indented four more than the line itself. A word longer than the room is cut.
pub fn wrap_line(line: &str, width: usize) -> Vec<String> {
    if line.chars().count() <= width {
        return vec![line.to_string()];
    }
    let indent = line.chars().take_while(|c| *c == ' ').count();
    let more = " ".repeat((indent + 4).min(width / 2));
    let mut out: Vec<String> = Vec::new();
    let mut cur = " ".repeat(indent);
    let mut cur_len = indent;
    let mut has_words = false;
    for word in line[indent..].split(' ').filter(|w| !w.is_empty()) {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let start = if has_words { cur_len + 1 } else { cur_len };
            if start + word.len() <= width {
                if has_words {
                    cur.push(' ');
                }
                cur.extend(word.iter());
                cur_len = start + word.len();
                has_words = true;
                break;
            }
            if has_words {
                // The word goes on the next line.
                out.push(std::mem::replace(&mut cur, more.clone()));
                cur_len = more.len();
                has_words = false;
                continue;
            }
            // Alone on its line and still too long: cut it.
            let room = width.saturating_sub(cur_len).max(1);
            let rest = word.split_off(room.min(word.len()));
            cur.extend(word.iter());
            out.push(std::mem::replace(&mut cur, more.clone()));
            cur_len = more.len();
            word = rest;
            if word.is_empty() {
                break;
            }
        }
    }
    if !cur.trim().is_empty() || out.is_empty() {
        out.push(cur);
    }
    out
}

/// Joins two words [`FitWriter`] must keep on one line (a label and its value: `pdd 104ms`); it
/// is written as a space. Text from the network never carries it: control characters are made
/// inert before they reach a report.
pub const GLUE: char = '\u{1}';

/// A writer that wraps each line longer than `width` (see [`wrap_line`]) before passing it on;
/// [`GLUE`] keeps two words together and comes out as a space.
pub struct FitWriter<W: Write> {
    inner: W,
    width: usize,
    line: Vec<u8>,
}

impl<W: Write> FitWriter<W> {
    /// Wraps output to `inner` at `width` characters.
    pub fn new(inner: W, width: usize) -> Self {
        FitWriter { inner, width, line: Vec::new() }
    }

    fn emit(&mut self) -> io::Result<()> {
        let text = String::from_utf8_lossy(&self.line);
        for piece in wrap_line(&text, self.width) {
            self.inner.write_all(piece.replace(GLUE, " ").as_bytes())?;
            self.inner.write_all(b"\n")?;
        }
        self.line.clear();
        Ok(())
    }
}

impl<W: Write> Write for FitWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while let Some(nl) = memchr::memchr(b'\n', rest) {
            self.line.extend_from_slice(&rest[..nl]);
            self.emit()?;
            rest = &rest[nl + 1..];
        }
        self.line.extend_from_slice(rest);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.line.is_empty() {
            self.emit()?;
        }
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_wrap_under_themselves_and_never_exceed_the_width() {
        assert_eq!(wrap_line("  short", 20), vec!["  short"]);
        assert_eq!(
            wrap_line("      sdp: INVITE caller 10.0.0.1:4000 sendrecv PCMU", 30),
            vec!["      sdp: INVITE caller", "          10.0.0.1:4000", "          sendrecv PCMU"]
        );
        assert_eq!(wrap_line("      cnonce=\"abcdefghijklmnopqrstuvwxyz\"", 20).len(), 4);
        let long = format!("  {}", "x".repeat(50));
        let pieces = wrap_line(&long, 20);
        assert!(pieces.iter().all(|p| p.chars().count() <= 20), "{pieces:?}");
        assert_eq!(pieces.concat().replace(' ', ""), "x".repeat(50));
        for width in [60, 61, 79, 100] {
            let text = "  a b ccc dddd eeeee ffffff ggggggg hhhhhhhh ".repeat(9);
            for p in wrap_line(&text, width) {
                assert!(p.chars().count() <= width, "{p:?} at {width}");
            }
        }
    }

    #[test]
    fn words_wrap_at_spaces() {
        assert_eq!(wrap_words("a bb ccc dddd", 6), vec!["a bb", "ccc", "dddd"]);
        assert_eq!(wrap_words("abcdefgh ij", 4), vec!["abcdefgh", "ij"]);
        assert!(wrap_words("", 4).is_empty());
    }

    /// Cuts count terminal columns: wide characters two, combining marks none.
    #[test]
    fn cuts_count_columns() {
        use unicode_width::UnicodeWidthStr;
        assert_eq!(cut("alice@127.0.0.10", 16), "alice@127.0.0.10");
        assert_eq!(cut("alice@127.0.0.10", 15), "alice@127.0.0.…");
        let wide = cut("東京オフィス受付", 9);
        assert!(wide.width() <= 9 && wide.ends_with('…'), "{wide}");
        assert_eq!(wide, "東京オフ…");
        assert_eq!(cut("Ame\u{301}lie", 6), "Ame\u{301}lie", "six columns, seven characters");
    }

    /// Glued words move to the next line together and come out joined by a space.
    #[test]
    fn glued_words_stay_together() {
        let mut w = FitWriter::new(Vec::new(), 24);
        writeln!(w, "      a | udp | pdd{GLUE}104ms setup{GLUE}608ms").unwrap();
        w.flush().unwrap();
        let out = String::from_utf8(w.inner).unwrap();
        assert_eq!(out, "      a | udp |\n          pdd 104ms\n          setup 608ms\n");
    }

    #[test]
    fn the_writer_wraps_across_writes() {
        let mut out = Vec::new();
        {
            let mut w = FitWriter::new(&mut out, 12);
            write!(w, "one two ").unwrap();
            writeln!(w, "three four").unwrap();
            write!(w, "end").unwrap();
            w.flush().unwrap();
        }
        assert_eq!(String::from_utf8(out).unwrap(), "one two\n    three\n    four\nend\n");
    }
}
