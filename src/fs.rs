//! Files written whole or not at all: written to a temporary name beside
//! their path, flushed to the disk and renamed over it, so that a reader (or
//! a run interrupted while writing) never sees half a file. Its own room below
//! `sim` and `io` because both write such files (checkpoints; outputs and
//! reports) and `sim` may not depend on `io`.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The temporary file beside `path` that it is written to before it is
/// renamed into place: `.NAME.tmpPID` in the same directory (the same file
/// system, so the rename is atomic; the process id keeps two runs apart).
pub(crate) fn tmp_path(path: &Path) -> PathBuf {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    dir.join(format!(".{name}.tmp{}", std::process::id()))
}

/// Puts the complete temporary file `tmp` (written through `f`) in place of
/// `path`: its data reaches the disk before the rename, so a crash leaves the
/// old file or the new one, never a truncated one.
pub(crate) fn commit(f: File, tmp: &Path, path: &Path) -> std::io::Result<()> {
    f.sync_all()?;
    drop(f);
    std::fs::rename(tmp, path)
}

/// Writes `bytes` to `path` through a temporary file in the same directory
/// ([`tmp_path`], [`commit`]); on an error the temporary file is removed and
/// `path` is as it was.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = tmp_path(path);
    let write = || {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        commit(f, &tmp, path)
    };
    write().inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
