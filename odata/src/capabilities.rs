//! What one collection lets a client ask for.

/// What one collection supports (Graph documents this per resource, in the "Optional query
/// parameters" section of its List operation).
///
/// Property paths are written with `/` (`initiatedBy/user/id`) and matched
/// case-insensitively; listing a path also allows every path below it, so listing a
/// collection property (`targetResources`) allows `any`/`all` lambdas over its elements.
/// Build one with struct syntax, starting from [`Capabilities::NONE`] for the fields a
/// collection leaves out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities<'a> {
    /// Property paths allowed in `$filter`, e.g. `principalId`, `initiatedBy/user/id`,
    /// `targetResources` (for `any()`).
    pub filterable: &'a [&'a str],
    /// Property paths allowed in `$orderby`.
    pub orderable: &'a [&'a str],
    /// Navigation properties allowed in `$expand`, e.g. `principal`, `roleDefinition`,
    /// `rules`, `policy`; a nested expansion is listed as its path, e.g. `policy/rules` for
    /// `$expand=policy($expand=rules)`.
    pub expandable: &'a [&'a str],
    /// Property names allowed in `$select`. Empty means any name is accepted (a name no item
    /// has simply selects nothing); a non-empty list refuses names it does not hold, as Graph
    /// refuses a property its type does not declare.
    pub selectable: &'a [&'a str],
    /// Whether `$count=true` is supported.
    pub count: bool,
    /// Graph's page-size cap for the resource (e.g. 999): the largest `$top` accepted.
    pub max_top: usize,
    /// The page size when there is no `$top` (server-driven paging).
    pub default_page: usize,
}

impl Capabilities<'static> {
    /// A collection that supports no option: nothing filterable, orderable, expandable or
    /// countable, any `$select` name, and pages of 100 up to `$top=999` (Graph's figures for
    /// users and groups).
    pub const NONE: Self = Self {
        filterable: &[],
        orderable: &[],
        expandable: &[],
        selectable: &[],
        count: false,
        max_top: 999,
        default_page: 100,
    };
}

impl Default for Capabilities<'static> {
    fn default() -> Self {
        Self::NONE
    }
}

/// The spelling `allowed` lists for `path` (segments split on `/`), when `path` or a path
/// above it is listed; the segments below the listed path keep the client's spelling.
pub(crate) fn resolve(allowed: &[&str], path: &[&str]) -> Option<Vec<String>> {
    allowed.iter().find_map(|entry| {
        let listed: Vec<&str> = entry.split('/').collect();
        let covers = listed.len() <= path.len()
            && listed
                .iter()
                .zip(path)
                .all(|(l, p)| l.eq_ignore_ascii_case(p));
        covers.then(|| {
            listed
                .iter()
                .chain(&path[listed.len()..])
                .map(|s| (*s).to_owned())
                .collect()
        })
    })
}
