//! What a refused privileged command attempted, as the `commandRefused` event records it.

wire_enum! {
    /// The privileged action a refused command attempted. It decides the audit record's activity
    /// and operation type.
    pub enum RefusedAction {
        /// A schedule request refused before it was read (refused requests are otherwise
        /// `requestRejected` events, which carry the request itself).
        ScheduleRequest => "scheduleRequest",
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
