//! RTP sequence numbers and timestamps wrap (16 and 32 bits); the buffer works on extended
//! values that keep counting past the wrap, relative to the packet that started the
//! timeline (RFC 3550 appendix A.1 does the same for sequence numbers).

/// Extends RTP timestamps: each new one is placed nearest to the last accepted one.
#[derive(Debug, Clone, Default)]
pub(super) struct TsUnwrapper {
    last: u32,
    last_ext: i64,
}

impl TsUnwrapper {
    /// Starts a timeline where `ts` is 0.
    pub(super) fn restart(&mut self, ts: u32) {
        self.last = ts;
        self.last_ext = 0;
    }

    /// The extended value of `ts`, without accepting it.
    pub(super) fn extend(&self, ts: u32) -> i64 {
        self.last_ext + i64::from(ts.wrapping_sub(self.last) as i32)
    }

    /// Makes `ts` (extended to `ext`) the reference for the next ones.
    pub(super) fn accept(&mut self, ts: u32, ext: i64) {
        self.last = ts;
        self.last_ext = ext;
    }
}

/// Extends RTP sequence numbers the same way.
#[derive(Debug, Clone, Default)]
pub(super) struct SeqUnwrapper {
    last: Option<(u16, i64)>,
}

impl SeqUnwrapper {
    pub(super) fn restart(&mut self, seq: u16) {
        self.last = Some((seq, 0));
    }

    pub(super) fn extend(&self, seq: u16) -> i64 {
        match self.last {
            Some((last, ext)) => ext + i64::from(seq.wrapping_sub(last) as i16),
            None => 0,
        }
    }

    pub(super) fn accept(&mut self, seq: u16, ext: i64) {
        self.last = Some((seq, ext));
    }

    /// The extended value of the last accepted sequence number.
    pub(super) fn last(&self) -> Option<i64> {
        self.last.map(|(_, ext)| ext)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_keep_counting_across_the_wrap() {
        let mut t = TsUnwrapper::default();
        t.restart(u32::MAX - 159);
        let a = t.extend((u32::MAX - 159).wrapping_add(160)); // wraps to 0
        assert_eq!(a, 160);
        t.accept(0, a);
        assert_eq!(t.extend(160), 320);
        assert_eq!(t.extend(u32::MAX - 159), 0, "an older one stays older");
    }

    #[test]
    fn sequence_numbers_keep_counting_across_the_wrap() {
        let mut s = SeqUnwrapper::default();
        s.restart(65535);
        assert_eq!(s.extend(0), 1);
        s.accept(0, 1);
        assert_eq!(s.extend(65534), -1);
        assert_eq!(s.last(), Some(1));
    }
}
