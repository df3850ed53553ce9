//! Crash-safe file writing shared by every writer (simulated data, answer keys, JSON results, pages,
//! manifest): data goes to `<path>.partial` and is renamed over `path` only when complete, so a reader
//! (or the next run after a `kill -9`) sees the old file or the new one, never half of either.
//!
//! The rename protects against the process dying, not the machine: nothing is fsynced, because the
//! live viewer rewrites about thirty files every few seconds and a power cut only costs a report that
//! the next run rewrites anyway.
use std::fs;
use std::path::{Path, PathBuf};

use thiserror::Error;

/// A file or folder that could not be written, with the path at fault.
#[derive(Debug, Error)]
#[error("{}: {source}", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

impl WriteError {
    /// Wraps an I/O error on `path`.
    pub fn at(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + use<> {
        let path = path.to_path_buf();
        move |source| WriteError { path, source }
    }
}

/// Writes `bytes` to `path` (creating its folder) through `<path>.partial` and a rename.
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("reports/data/pricing.json");
/// finops_core::fsio::write_atomic(&path, b"{}")?;
/// assert_eq!(std::fs::read(&path)?, b"{}");
/// assert!(!finops_core::fsio::partial_path(&path).exists());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    create_parent(path)?;
    let tmp = partial_path(path);
    fs::write(&tmp, bytes).map_err(WriteError::at(&tmp))?;
    fs::rename(&tmp, path).map_err(WriteError::at(path))
}

/// Creates the folder `path` goes into, if it names one.
pub fn create_parent(path: &Path) -> Result<(), WriteError> {
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => fs::create_dir_all(dir).map_err(WriteError::at(dir)),
        None => Ok(()),
    }
}

/// Where a file is written while it is incomplete: `data/calls.csv` -> `data/calls.csv.partial`.
pub fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".partial");
    path.with_file_name(name)
}

/// How an answer key's file name ends: `data/calls.csv` has its key in `data/calls.events.json`.
pub const ANSWER_KEY_SUFFIX: &str = ".events.json";

/// Where the simulator puts the answer key of a data file, and where the analyses look for it:
/// `data/simulated_calls.csv` -> `data/simulated_calls.events.json`.
///
/// ```
/// # use std::path::Path;
/// use finops_core::fsio::answer_key_path;
/// assert_eq!(answer_key_path(Path::new("data/calls.csv")), Path::new("data/calls.events.json"));
/// ```
pub fn answer_key_path(data: &Path) -> PathBuf {
    let stem = data.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    data.with_file_name(format!("{stem}{ANSWER_KEY_SUFFIX}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_files_and_names_the_path_on_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b.txt");
        write_atomic(&path, b"old").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        // A file where a folder should be.
        let blocked = dir.path().join("a/b.txt/c.txt");
        let e = write_atomic(&blocked, b"x").unwrap_err();
        assert!(e.to_string().contains("b.txt"), "{e}");
        assert_eq!(partial_path(Path::new("x/calls.csv")), Path::new("x/calls.csv.partial"));
    }
}
