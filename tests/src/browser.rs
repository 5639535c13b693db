//! Running the node browser tests (tests/browser/*.test.mjs, Debian's Chromium driven by npm
//! playwright-core) from a Rust test, and where tests leave their screenshots.

use std::ffi::OsStr;
use std::path::PathBuf;
use std::process::{Command, ExitStatus};
use std::time::Duration;

use anyhow::{bail, ensure, Context, Result};

/// Where test artifacts go: `$DIALTONE_ARTIFACTS/<sub>`, else /tmp/dialtone-artifacts/<sub>;
/// created if missing.
pub fn artifacts_dir(sub: &str) -> Result<PathBuf> {
    let dir = std::env::var_os("DIALTONE_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("dialtone-artifacts"))
        .join(sub);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// tests/browser, once its npm packages are installed.
pub fn browser_dir() -> Result<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("browser");
    ensure!(
        dir.join("node_modules/playwright-core").is_dir(),
        "run `npm ci` in {} first (scripts/test.sh does)",
        dir.display()
    );
    Ok(dir)
}

/// Runs `node --test <script>` in tests/browser with `env`, calling `tick` about every 100 ms
/// while it runs (to answer the script's requests), and kills it after `within`.
pub fn run_node_test<K, V>(
    script: &str,
    env: impl IntoIterator<Item = (K, V)>,
    within: Duration,
    mut tick: impl FnMut() -> Result<()>,
) -> Result<ExitStatus>
where
    K: AsRef<OsStr>,
    V: AsRef<OsStr>,
{
    let mut child = Command::new("node")
        .args(["--test", "--test-reporter=spec", script])
        .current_dir(browser_dir()?)
        .envs(env)
        .spawn()
        .context("cannot run node (scripts/test.sh installs Node.js)")?;
    let mut status = None;
    // Polling the child's exit, with `tick` between looks.
    let waited = crate::wait::until(within, Duration::from_millis(100), || {
        status = child.try_wait()?;
        if status.is_none() {
            tick()?;
        }
        Ok(status.is_some())
    });
    match (waited, status) {
        (Ok(()), Some(status)) => Ok(status),
        (waited, _) => {
            let _ = child.kill();
            let _ = child.wait();
            waited.with_context(|| format!("the browser test {script} did not finish"))?;
            bail!("the browser test {script} did not finish within {within:?}")
        }
    }
}
