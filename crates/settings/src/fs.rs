//! Reading the config file and replacing it atomically.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::SettingsError;

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> SettingsError + '_ {
    move |source| SettingsError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The file's text, or `None` when there is no file.
pub(crate) fn read_existing(path: &Path) -> Result<Option<String>, SettingsError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(path)(e)),
    }
}

/// Replaces `path` with `text`: a temporary file in the same folder (mode 0600), flushed to
/// disk, then renamed over the old one, so a reader sees the old file or the new one, never
/// half of one. The folder is created (mode 0700) when missing. A symbolic link is followed:
/// its target is replaced, the link stays.
pub(crate) fn write_atomic(path: &Path, text: &str) -> Result<(), SettingsError> {
    let target = resolve_link(path)?;
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    create_dir(&dir)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".dialtone-config.").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o600));
    }
    let mut tmp = builder.tempfile_in(&dir).map_err(io_error(&dir))?;
    tmp.write_all(text.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(io_error(tmp.path()))?;
    tmp.persist(&target)
        .map_err(|e| io_error(&target)(e.error))?;
    // The rename itself is durable once the folder is flushed; not every file system
    // allows that, and the new file is in place either way.
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn resolve_link(path: &Path) -> Result<PathBuf, SettingsError> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path).map_err(io_error(path)),
        _ => Ok(path.to_path_buf()),
    }
}

fn create_dir(dir: &Path) -> Result<(), SettingsError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(io_error(dir))
}
