//! A bounds-checked little-endian cursor, so no decoder ever indexes past the end.

use super::DecodeError;

pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    characteristic: &'static str,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(characteristic: &'static str, bytes: &'a [u8]) -> Self {
        Reader {
            bytes,
            characteristic,
        }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len()
    }

    pub(crate) fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.bytes)
    }

    /// Takes `N` bytes or reports which field did not fit; `flagged` chooses the wording
    /// (a field a flag announced vs. a mandatory one).
    fn take<const N: usize>(
        &mut self,
        field: &'static str,
        flagged: bool,
    ) -> Result<[u8; N], DecodeError> {
        match self.bytes.split_first_chunk::<N>() {
            Some((head, tail)) => {
                self.bytes = tail;
                Ok(*head)
            }
            None if flagged => Err(DecodeError::Truncated {
                characteristic: self.characteristic,
                field,
                needed: N,
                remaining: self.bytes.len(),
            }),
            None => Err(DecodeError::TooShort {
                characteristic: self.characteristic,
                field,
                needed: N,
                remaining: self.bytes.len(),
            }),
        }
    }

    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        self.take::<1>(field, false).map(|b| b[0])
    }
    pub(crate) fn u16(&mut self, field: &'static str) -> Result<u16, DecodeError> {
        self.take::<2>(field, false).map(u16::from_le_bytes)
    }
    pub(crate) fn i16(&mut self, field: &'static str) -> Result<i16, DecodeError> {
        self.take::<2>(field, false).map(i16::from_le_bytes)
    }
    pub(crate) fn u32(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        self.take::<4>(field, false).map(u32::from_le_bytes)
    }

    /// Fields announced by a flag: a shortfall reads "flags say X present but …".
    pub(crate) fn flagged<const N: usize>(
        &mut self,
        field: &'static str,
    ) -> Result<[u8; N], DecodeError> {
        self.take::<N>(field, true)
    }
}

pub(crate) fn u24(b: [u8; 3]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], 0])
}
