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

/// A key's entries for a table that keeps its keys' entries small: the one entry most keys
/// have, inline, or the number of a list in a [`Lists`] kept beside the table (no pointer, so
/// a key of slots takes 8 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Listed<T> {
    /// Exactly one, inline.
    One(T),
    /// Two or more: the number of their list.
    Many(u32),
}

/// The lists of the keys that hold two or more entries, with the numbers of lists given back
/// for reuse.
#[derive(Debug, Clone)]
pub(crate) struct Lists<T> {
    // INVARIANT: every list a `Listed::Many` names holds two or more entries; a list in
    // `free` is empty and named by none.
    lists: Vec<Vec<T>>,
    free: Vec<u32>,
}

impl<T> Default for Lists<T> {
    fn default() -> Self {
        Lists {
            lists: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T: Copy> Lists<T> {
    /// The entries of `listed`, in insertion order.
    pub(crate) fn slice<'a>(&'a self, listed: &'a Listed<T>) -> &'a [T] {
        match listed {
            Listed::One(t) => slice::from_ref(t),
            Listed::Many(list) => self.lists.get(*list as usize).map_or(&[], Vec::as_slice),
        }
    }

    /// Adds `item` at the end of `listed` (which stays as it is past `u32::MAX` lists).
    pub(crate) fn push(&mut self, listed: &mut Listed<T>, item: T) {
        match *listed {
            Listed::One(first) => {
                if let Some(list) = self.make(alloc::vec![first, item]) {
                    *listed = Listed::Many(list);
                }
            }
            Listed::Many(list) => {
                if let Some(l) = self.lists.get_mut(list as usize) {
                    l.push(item);
                }
            }
        }
    }

    /// Keeps only the entries of `listed` that `keep` accepts, in order; returns false when
    /// none is left (the caller drops the key).
    pub(crate) fn retain(
        &mut self,
        listed: &mut Listed<T>,
        mut keep: impl FnMut(&T) -> bool,
    ) -> bool {
        let list = match listed {
            Listed::One(t) => return keep(t),
            Listed::Many(list) => *list,
        };
        let Some(l) = self.lists.get_mut(list as usize) else {
            return false;
        };
        l.retain(|t| keep(t));
        let left = match l.as_slice() {
            [] => false,
            [only] => {
                *listed = Listed::One(*only);
                true
            }
            _ => return true,
        };
        *l = Vec::new();
        self.free.push(list);
        left
    }

    /// How many lists there are, given back ones included.
    #[cfg(test)]
    pub(crate) fn count(&self) -> (usize, usize) {
        (self.lists.len(), self.free.len())
    }

    fn make(&mut self, items: Vec<T>) -> Option<u32> {
        if let Some(list) = self.free.pop() {
            if let Some(l) = self.lists.get_mut(list as usize) {
                *l = items;
            }
            return Some(list);
        }
        let list = u32::try_from(self.lists.len()).ok()?;
        self.lists.push(items);
        Some(list)
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
