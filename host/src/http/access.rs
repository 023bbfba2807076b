//! Least privilege on reads: who may read which object, from the caller's access level (the
//! core's `access` query). Administrators and the read-only security roles read everything;
//! anyone else in the directory reads only the objects about them, made by them or waiting for
//! them; a caller the directory does not know reads nothing.

use std::sync::Arc;

use pim_core::review::Review;
use pim_core::{Access, Query, QueryResult, RequestRecord};

use super::error::ApiError;
use super::extract::Caller;
use super::state::AppState;
use crate::store::Store;

/// The refusal of a caller the directory does not know, logged.
fn unknown(me: String) -> ApiError {
    tracing::warn!(caller = %me, "refused: the caller is not in the directory");
    ApiError::UnknownPrincipal(me)
}

impl<S: Store + 'static> AppState<S> {
    /// What the caller may read now; a principal the directory does not know is refused.
    pub async fn access(self: &Arc<Self>, caller: &Caller) -> Result<Access, ApiError> {
        self.access_of(caller.principal()).await
    }

    /// What principal `me` may read now; a principal the directory does not know is refused.
    pub async fn access_of(self: &Arc<Self>, me: String) -> Result<Access, ApiError> {
        let q = Query::Access {
            principal_id: me.clone().into(),
        };
        match self.query(q).await? {
            QueryResult::Access(Some(access)) => Ok(access),
            _ => Err(unknown(me)),
        }
    }

    /// `query` answered for `me`, if `allowed` judges `me`'s access enough for it: both read
    /// in one call on one reader, on the same state (a gateway's question makes one trip to
    /// a reader, not two). A principal the directory does not know is refused.
    pub async fn query_as(
        self: &Arc<Self>,
        me: String,
        query: Query,
        allowed: impl FnOnce(&Access) -> Result<(), ApiError> + Send + 'static,
    ) -> Result<QueryResult, ApiError> {
        self.with_reader(move |svc, now| {
            let q = Query::Access {
                principal_id: me.as_str().into(),
            };
            let QueryResult::Access(Some(access)) = svc.query(&q, now)? else {
                return Ok(Err(unknown(me)));
            };
            if let Err(refused) = allowed(&access) {
                return Ok(Err(refused));
            }
            svc.query(&query, now).map(Ok)
        })
        .await?
    }

    /// The caller's access, refused unless it reads every object (`what` names the objects in
    /// the refusal).
    pub async fn reader(
        self: &Arc<Self>,
        caller: &Caller,
        what: &'static str,
    ) -> Result<Access, ApiError> {
        let access = self.access(caller).await?;
        if access.reads_all() {
            Ok(access)
        } else {
            Err(ApiError::forbidden(&access, what))
        }
    }

    /// Whose records `caller` reads when asking for `asked`'s: anyone's (or everyone's) for a
    /// caller who reads all, only their own for anyone else.
    pub async fn readable_by(
        self: &Arc<Self>,
        caller: &Caller,
        asked: Option<String>,
    ) -> Result<Option<String>, ApiError> {
        let access = self.access(caller).await?;
        Ok(if access.reads_all() {
            asked
        } else {
            Some(access.principal_id.to_string())
        })
    }

    /// Whether a member may read `request`: it is about them, they made it, they answered one
    /// of its stages, or it waits for their approval now.
    pub async fn may_read_request(
        self: &Arc<Self>,
        access: &Access,
        request: &RequestRecord,
    ) -> Result<bool, ApiError> {
        let me = access.principal_id.as_str();
        if access.reads_all() || involves(request, me) {
            return Ok(true);
        }
        let waiting = self
            .query(Query::PendingApprovals {
                approver_id: access.principal_id.clone(),
            })
            .await?;
        Ok(
            matches!(waiting, QueryResult::PendingApprovals(v) if v.iter().any(|r| r.id == request.id)),
        )
    }

    /// Whether a member may read a role's settings: they are eligible for the role (they see
    /// what activating it requires).
    pub async fn may_read_policy(
        self: &Arc<Self>,
        access: &Access,
        role_definition_id: &str,
    ) -> Result<bool, ApiError> {
        if access.reads_all() {
            return Ok(true);
        }
        let mine = self
            .query(Query::EligibleRoles {
                principal_id: access.principal_id.clone(),
            })
            .await?;
        Ok(matches!(mine, QueryResult::EligibleRoles(v)
            if v.iter().any(|e| e.role_definition_id.as_str() == role_definition_id)))
    }
}

/// Whether `me` is the request's principal, its maker or one of its answering approvers.
fn involves(request: &RequestRecord, me: &str) -> bool {
    request.principal_id.as_str() == me
        || request.created_by.as_deref() == Some(me)
        || request
            .approval_steps
            .iter()
            .any(|s| s.reviewed_by.as_deref() == Some(me))
}

/// Whether a member may read `review`: they review at least one of its items.
pub fn reviews(review: &Review, me: &str) -> bool {
    review
        .instances
        .iter()
        .flat_map(|i| i.items.iter())
        .any(|item| item.reviewers.iter().any(|r| r.as_str() == me))
}
