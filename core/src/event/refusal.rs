//! What a refused privileged command attempted, as the `commandRefused` event records it.

wire_enum! {
    /// The privileged action a refused command attempted: a schedule request's Graph action, or
    /// the administrative action of any other command. It decides the audit record's activity
    /// and operation type.
    pub enum RefusedAction {
        /// A schedule request, `selfActivate`.
        SelfActivate => "selfActivate",
        /// A schedule request, `selfDeactivate`.
        SelfDeactivate => "selfDeactivate",
        /// A schedule request, `selfExtend`.
        SelfExtend => "selfExtend",
        /// A schedule request, `selfRenew`.
        SelfRenew => "selfRenew",
        /// A schedule request, `adminAssign`.
        AdminAssign => "adminAssign",
        /// A schedule request, `adminRemove`.
        AdminRemove => "adminRemove",
        /// A schedule request, `adminUpdate`.
        AdminUpdate => "adminUpdate",
        /// A schedule request, `adminExtend`.
        AdminExtend => "adminExtend",
        /// A schedule request, `adminRenew`.
        AdminRenew => "adminRenew",
        /// Approving a pending request (`decide` with `Approve`).
        ApproveRequest => "approveRequest",
        /// Denying a pending request (`decide` with `Deny`).
        DenyRequest => "denyRequest",
        /// Canceling a request.
        CancelRequest => "cancelRequest",
        /// Changing a role's settings.
        SetPolicy => "setPolicy",
        /// Adding members to a group.
        AddMembers => "addMembers",
        /// Removing members from a group.
        RemoveMembers => "removeMembers",
        /// Adding and removing members of a group at once, or neither.
        ChangeMembers => "changeMembers",
        /// Loading directory objects (host only).
        ImportDirectory => "importDirectory",
        /// Recording a sign-in (host only).
        RecordSignIn => "recordSignIn",
        /// Recording an assignment made outside PIM (host only).
        RecordOutsideAssignment => "recordOutsideAssignment",
        /// Changing how long audit records stay visible.
        SetAuditRetention => "setAuditRetention",
        /// Changing an alert's configuration.
        ConfigureAlert => "configureAlert",
        /// Dismissing an alert.
        DismissAlert => "dismissAlert",
        /// Refreshing alerts.
        RefreshAlerts => "refreshAlerts",
        /// Remediating an alert's incidents.
        RemediateAlert => "remediateAlert",
        /// Creating an access review.
        CreateReview => "createReview",
        /// A reviewer's `Approve` decision.
        ApproveAccess => "approveAccess",
        /// A reviewer's `Deny` decision.
        DenyAccess => "denyAccess",
        /// A reviewer's `DontKnow` (or any other) decision.
        DontKnowAccess => "dontKnowAccess",
        /// Stopping an access review's instance.
        StopReview => "stopReview",
        /// Resetting an instance's decisions.
        ResetReview => "resetReview",
        /// Applying an instance's results.
        ApplyReview => "applyReview",
        /// Deleting an access review.
        DeleteReview => "deleteReview",
    }
}

impl From<crate::wire::Action> for RefusedAction {
    fn from(a: crate::wire::Action) -> Self {
        use crate::wire::Action as A;
        match a {
            A::SelfActivate => RefusedAction::SelfActivate,
            A::SelfDeactivate => RefusedAction::SelfDeactivate,
            A::SelfExtend => RefusedAction::SelfExtend,
            A::SelfRenew => RefusedAction::SelfRenew,
            A::AdminAssign => RefusedAction::AdminAssign,
            A::AdminRemove => RefusedAction::AdminRemove,
            A::AdminUpdate => RefusedAction::AdminUpdate,
            A::AdminExtend => RefusedAction::AdminExtend,
            A::AdminRenew => RefusedAction::AdminRenew,
        }
    }
}
