//! Storage that grows a fixed-size chunk at a time, for the state's two largest lists (the
//! schedules' rows and their id texts). A doubling `Vec` copies everything at each growth and
//! reserves up to twice what it holds; a native process never touches the reserved tail, but a
//! wasm guest's linear memory keeps it, and keeps the old copy's space after the move. Here no
//! growth copies and at most one chunk is partly empty.

use alloc::vec::Vec;

/// Items per chunk of a [`Chunked`].
const ITEMS: usize = 4096;

/// A list of `T` in chunks of 4,096.
#[derive(Debug, Clone)]
pub(crate) struct Chunked<T> {
    // INVARIANT: every chunk but the last holds exactly `ITEMS` items; the last holds 1..=ITEMS.
    chunks: Vec<Vec<T>>,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked { chunks: Vec::new() }
    }
}

impl<T> Chunked<T> {
    /// How many items there are.
    pub(crate) fn len(&self) -> usize {
        self.chunks.last().map_or(0, |last| {
            let full = self.chunks.len().saturating_sub(1).saturating_mul(ITEMS);
            full.saturating_add(last.len())
        })
    }

    pub(crate) fn get(&self, i: usize) -> Option<&T> {
        self.chunks.get(i / ITEMS)?.get(i % ITEMS)
    }

    pub(crate) fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        self.chunks.get_mut(i / ITEMS)?.get_mut(i % ITEMS)
    }

    /// Adds `item` at the end.
    pub(crate) fn push(&mut self, item: T) {
        match self.chunks.last_mut() {
            Some(last) if last.len() < ITEMS => last.push(item),
            _ => {
                let mut chunk = Vec::with_capacity(ITEMS);
                chunk.push(item);
                self.chunks.push(chunk);
            }
        }
    }
}

/// Bytes per chunk of [`Texts`]; a text's place is its chunk's number times this plus where
/// it starts in the chunk.
const BYTES: usize = 1 << 16;

/// Texts one after another, each after its length (LEB128: one byte below 128), in chunks of
/// 64 KiB; a text too long for a chunk gets one of its own.
#[derive(Debug, Clone, Default)]
pub(crate) struct Texts {
    // INVARIANT: no text crosses a chunk; every text starts below `BYTES` in its chunk.
    chunks: Vec<Vec<u8>>,
}

impl Texts {
    /// Appends `text`; returns its place, or `None` past 65,535 chunks (4 GiB of texts).
    pub(crate) fn push(&mut self, text: &str) -> Option<u32> {
        let mut head = [0u8; 10];
        let head = leb128(text.len(), &mut head);
        let need = head.len().checked_add(text.len())?;
        let fits = |c: &Vec<u8>| c.len().checked_add(need).is_some_and(|end| end <= BYTES);
        if !self.chunks.last().is_some_and(fits) {
            if self.chunks.len() >= usize::from(u16::MAX) {
                return None;
            }
            self.chunks.push(Vec::with_capacity(need.max(BYTES)));
        }
        let chunk = self.chunks.len().checked_sub(1)?;
        let last = self.chunks.last_mut()?;
        let place = chunk.checked_mul(BYTES)?.checked_add(last.len())?;
        last.extend_from_slice(head);
        last.extend_from_slice(text.as_bytes());
        u32::try_from(place).ok()
    }

    /// The text at `place`.
    pub(crate) fn get(&self, place: u32) -> Option<&str> {
        let place = place as usize;
        let chunk = self.chunks.get(place / BYTES)?;
        let (mut i, mut len, mut shift) = (place % BYTES, 0usize, 0u32);
        loop {
            let b = *chunk.get(i)?;
            i = i.checked_add(1)?;
            len |= usize::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                break;
            }
            shift = shift.checked_add(7)?;
        }
        let bytes = chunk.get(i..i.checked_add(len)?)?;
        core::str::from_utf8(bytes).ok()
    }
}

/// `n` as LEB128 in `buf`: seven bits a byte, low first, the top bit set on all but the last.
fn leb128(mut n: usize, buf: &mut [u8; 10]) -> &[u8] {
    let mut used = 0;
    for (i, slot) in buf.iter_mut().enumerate() {
        let low = (n & 0x7f) as u8;
        n >>= 7;
        used = i.saturating_add(1);
        if n == 0 {
            *slot = low;
            break;
        }
        *slot = low | 0x80;
    }
    buf.get(..used).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{BYTES, Chunked, ITEMS, Texts};
    use alloc::string::String;
    use alloc::vec::Vec;

    #[test]
    fn items_keep_their_places_across_chunks() {
        let mut list = Chunked::default();
        for i in 0..ITEMS * 2 + 5 {
            list.push(i);
        }
        assert_eq!(list.len(), ITEMS * 2 + 5);
        assert!((0..list.len()).all(|i| list.get(i) == Some(&i)));
        assert_eq!(list.get(list.len()), None);
        if let Some(x) = list.get_mut(ITEMS) {
            *x = 7;
        }
        assert_eq!(list.get(ITEMS), Some(&7));
    }

    #[test]
    fn texts_read_back_at_every_length_and_across_chunks() {
        let mut texts = Texts::default();
        let long = "x".repeat(300);
        let huge = "y".repeat(BYTES * 2);
        let mut samples: Vec<String> = ["", "s-1", "schedule-1234567", long.as_str(), "é-ü"]
            .iter()
            .map(|s| String::from(*s))
            .collect();
        // Enough to fill several chunks, then one text larger than a chunk, then more.
        samples.extend((0..20_000).map(|i| alloc::format!("schedule-{i}")));
        samples.push(huge);
        samples.extend((0..10).map(|i| alloc::format!("after-{i}")));
        let places: Vec<u32> = samples
            .iter()
            .map(|t| texts.push(t).expect("room"))
            .collect();
        for (t, p) in samples.iter().zip(&places) {
            assert_eq!(texts.get(*p), Some(t.as_str()));
        }
        assert!(texts.chunks.len() > 4, "the texts span chunks");
        assert_eq!(texts.get(u32::MAX), None, "a place past the end is no text");
    }
}
