//! Ids as types: a principal id cannot be passed where a role definition id goes.
//!
//! Each id is a newtype over a shared, immutable `ArcStr` (one pointer; the text, its length
//! and its count in one heap block), serialized as the bare string (as Graph writes it). Cloning
//! one copies the pointer, so the state keeps each principal's, role's and scope's text once
//! however many schedules name it. Ids borrow as `str`, hash and order exactly as `str` does, so
//! maps keyed by an id are looked up with a plain `&str` without allocating, and every id derefs
//! to `str`, so it passes wherever a `&str` is taken. There is deliberately no conversion from
//! one id type to another: the text must be taken out (`as_str`, `into_string`) and put back in
//! on purpose.

use alloc::string::String;
use alloc::vec::Vec;
use core::borrow::Borrow;
use core::fmt;
use core::ops::Deref;

use arcstr::ArcStr;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Declares id newtypes over `ArcStr`, each with the same impls (module docs).
macro_rules! ids {
    ($( $(#[$meta:meta])* $name:ident ),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(ArcStr);

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map($name::from)
            }
        }

        impl Shared for $name {
            fn shared(&self) -> &ArcStr {
                &self.0
            }
            fn from_shared(text: ArcStr) -> Self {
                $name(text)
            }
        }

        impl $name {
            /// The id's text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id's text, owned.
            pub fn into_string(self) -> String {
                String::from(&*self.0)
            }
        }

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        // Sound: the derived `Hash`, `Eq` and `Ord` of a one-`ArcStr` newtype are `str`'s.
        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name(ArcStr::from(s))
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(ArcStr::from(s))
            }
        }

        impl From<&String> for $name {
            fn from(s: &String) -> Self {
                $name(ArcStr::from(s.as_str()))
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.into_string()
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                &*self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                &*self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &*self.0 == other.as_str()
            }
        }

        impl PartialEq<$name> for str {
            fn eq(&self, other: &$name) -> bool {
                self == &*other.0
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == &*other.0
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                self.as_str() == &*other.0
            }
        }
    )+};
}

/// The text an id shares (crate-private: ids are made from text, never from each other).
pub(crate) trait Shared: Sized {
    /// The shared text.
    fn shared(&self) -> &ArcStr;
    /// An id over already shared text.
    fn from_shared(text: ArcStr) -> Self;
}

/// One copy of each id's text, by a 4-byte handle: the state passes every principal, role,
/// scope, group and request id its schedules name through here, so a million schedules naming a
/// hundred thousand principals hold a hundred thousand strings, not a million, and each
/// schedule's row holds handles, not pointers.
#[derive(Debug, Clone, Default)]
pub(crate) struct Interner {
    // INVARIANT: `index` holds each handle into `texts` once, by its text; no two texts are
    // equal.
    texts: Vec<ArcStr>,
    index: crate::state::SlotsById,
}

impl Interner {
    /// The handle of `id`'s text; on first sight it keeps the copy `kept` gives (one the
    /// caller already holds, equal to `id`), else `id`'s. `None` past `u32::MAX` texts.
    pub(crate) fn intern_keeping<T: Shared>(
        &mut self,
        id: &T,
        kept: impl FnOnce() -> Option<T>,
    ) -> Option<u32> {
        let text: &str = id.shared();
        let texts = &self.texts;
        let text_at = |h: u32| texts.get(h as usize).map(ArcStr::as_str);
        if let Some(handle) = self.index.get(text, &text_at) {
            return Some(handle);
        }
        // u32::MAX stays free: a row's handle uses it for "none".
        let handle = u32::try_from(self.texts.len())
            .ok()
            .filter(|h| *h < u32::MAX)?;
        let keep = kept()
            .filter(|k| k.shared().as_str() == text)
            .map_or_else(|| id.shared().clone(), |k| k.shared().clone());
        self.texts.push(keep);
        let texts = &self.texts;
        let text_at = |h: u32| texts.get(h as usize).map(ArcStr::as_str);
        self.index.insert(text, handle, &text_at);
        Some(handle)
    }

    /// The text of `handle`.
    pub(crate) fn text(&self, handle: u32) -> Option<&str> {
        self.texts.get(handle as usize).map(ArcStr::as_str)
    }

    /// The id whose text `handle` holds, sharing the text.
    pub(crate) fn id<T: Shared>(&self, handle: u32) -> Option<T> {
        self.texts.get(handle as usize).cloned().map(T::from_shared)
    }
}

ids! {
    /// The object id of a user, group or service principal.
    PrincipalId,
    /// A role definition id (Entra's template id for built-in roles).
    RoleDefinitionId,
    /// A scope as pim normalises it: a directory scope (`/`, `/administrativeUnits/{id}`) or
    /// `app:{appScopeId}`. At the edges it may also be a directory scope id as Graph names it.
    ScopeId,
    /// The id of a schedule request.
    RequestId,
    /// The id of an eligible or active schedule (assignment, eligibility or activation).
    ScheduleId,
    /// The id of an access review definition.
    ReviewId,
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::hash::BuildHasher;

    #[test]
    fn the_interner_keeps_one_text_and_prefers_the_callers_copy() {
        let mut names = Interner::default();
        let held = PrincipalId::from("u1");
        let first = names.intern_keeping(&PrincipalId::from("u1"), || Some(held.clone()));
        let again = names.intern_keeping(&PrincipalId::from("u1"), || panic!("asked twice"));
        assert_eq!(first, again);
        let kept: Option<PrincipalId> = first.and_then(|h| names.id(h));
        assert!(kept.is_some_and(|k| ArcStr::ptr_eq(k.shared(), held.shared())));
        // A copy that is not the same text is not kept.
        let other = names.intern_keeping(&PrincipalId::from("u2"), || Some(held.clone()));
        assert_eq!(other.and_then(|h| names.text(h)), Some("u2"));
        assert_ne!(first, other);
    }

    #[test]
    fn borrows_hashes_and_serializes_as_str() {
        let id = PrincipalId::from("u1");
        let state = hashbrown::DefaultHashBuilder::default();
        assert_eq!(state.hash_one(&id), state.hash_one("u1"));
        let mut map = hashbrown::HashMap::new();
        map.insert(id.clone(), 1);
        assert_eq!(map.get("u1"), Some(&1));
        let text = String::from("u1");
        assert_eq!(id, "u1");
        assert_eq!("u1", id);
        assert_eq!(id, text);
        assert_eq!(text, id);
        assert_eq!(serde_json::to_string(&id).ok().as_deref(), Some("\"u1\""));
        assert_eq!(serde_json::from_str::<PrincipalId>("\"u1\"").ok(), Some(id));
    }
}
