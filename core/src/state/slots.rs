//! A short list kept inline while it holds one entry: most (principal, role) keys of a tenant
//! index a single schedule, and a `Vec` would spend a heap block on each of them (and three
//! words inline: a list of slots here takes two).

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::slice;

/// The entries under one index key, in insertion order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum Slots<T> {
    /// None.
    #[default]
    Empty,
    /// Exactly one, inline.
    One(T),
    /// Two or more, boxed so that the common cases stay small.
    #[expect(
        clippy::box_collection,
        reason = "the box keeps the enum at two words; a bare Vec would make it three"
    )]
    Many(Box<Vec<T>>),
}

impl<T> Slots<T> {
    /// The entries as a slice.
    pub(crate) fn as_slice(&self) -> &[T] {
        match self {
            Slots::Empty => &[],
            Slots::One(t) => slice::from_ref(t),
            Slots::Many(v) => v,
        }
    }

    /// Whether there are none.
    pub(crate) fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    /// Adds `item` at the end.
    pub(crate) fn push(&mut self, item: T) {
        *self = match core::mem::take(self) {
            Slots::Empty => Slots::One(item),
            Slots::One(first) => Slots::Many(Box::new(alloc::vec![first, item])),
            Slots::Many(mut v) => {
                v.push(item);
                Slots::Many(v)
            }
        };
    }

    /// Keeps only the entries `keep` accepts, in order.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        *self = match core::mem::take(self) {
            Slots::One(t) if keep(&t) => Slots::One(t),
            Slots::Many(mut v) => {
                v.retain(|t| keep(t));
                match v.len() {
                    0 => Slots::Empty,
                    1 => v.pop().map_or(Slots::Empty, Slots::One),
                    _ => Slots::Many(v),
                }
            }
            _ => Slots::Empty,
        };
    }
}

impl<'a, T> IntoIterator for &'a Slots<T> {
    type Item = &'a T;
    type IntoIter = slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

#[cfg(test)]
mod tests {
    use super::Slots;

    #[test]
    fn keeps_order_through_push_and_retain() {
        let mut s = Slots::default();
        assert!(s.is_empty());
        s.push(1u32);
        assert_eq!(s, Slots::One(1));
        s.push(2);
        s.push(3);
        assert_eq!(s.as_slice(), &[1, 2, 3]);
        s.retain(|x| *x != 2);
        assert_eq!(s.as_slice(), &[1, 3]);
        s.retain(|x| *x == 3);
        assert_eq!(s, Slots::One(3));
        s.retain(|_| false);
        assert_eq!(s, Slots::Empty);
        assert_eq!(
            core::mem::size_of::<Slots<u32>>(),
            16,
            "two words, a third less than a Vec"
        );
    }
}
