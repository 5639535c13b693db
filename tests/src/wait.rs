//! Waiting for a condition by polling it, bounded in time: the one loop the test helpers share.

use std::time::{Duration, Instant};

use anyhow::{bail, Result};

/// Polls `check` every `every` until it is true (`Ok`), it fails (its error), or `within`
/// passes (`not within …`). `check` runs at least once.
pub fn until(
    within: Duration,
    every: Duration,
    mut check: impl FnMut() -> Result<bool>,
) -> Result<()> {
    let deadline = Instant::now() + within;
    loop {
        if check()? {
            return Ok(());
        }
        if Instant::now() >= deadline {
            bail!("not within {within:?}");
        }
        std::thread::sleep(every);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn until_stops_when_true_and_when_time_is_up() -> Result<()> {
        let mut calls = 0;
        until(Duration::from_secs(5), Duration::from_millis(1), || {
            calls += 1;
            Ok(calls == 3)
        })?;
        assert_eq!(calls, 3);
        let err = until(Duration::from_millis(20), Duration::from_millis(5), || {
            Ok(false)
        });
        assert!(err.is_err_and(|e| e.to_string().starts_with("not within")));
        Ok(())
    }
}
