//! Standard output for listings: written in one piece; a closed pipe (`finops pricing | head`) ends
//! the command quietly instead of panicking.
use std::io::{ErrorKind, Write};

/// `writeln!` into a `String` (writing to a String cannot fail).
macro_rules! outln {
    ($out:expr) => {{
        $out.push('\n');
    }};
    ($out:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($out, $($arg)*);
    }};
}

/// Writes `text` to stdout; a reader that went away is not an error.
pub fn emit(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
