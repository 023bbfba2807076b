//! (c) Nobody approves their own request.

use pim_core::event::Event;
use pim_core::{CallContext, ErrorCode, Outcome};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use super::steps::{Decide, Step, Who, steps_strategy};
use super::tenant::tenant_strategy;
use super::world::{Observer, World, config, drive};

struct NoSelfApproval {
    recorded: usize,
}

impl Observer for NoSelfApproval {
    fn before_apply(&mut self, w: &World, e: &Event) -> Result<(), TestCaseError> {
        if let Event::ApprovalRecorded {
            request_id,
            approver,
            ..
        } = e
        {
            self.recorded += 1;
            let r = w.engine.request(request_id, w.now);
            prop_assert!(r.is_some(), "approval of unknown request {request_id}");
            let r = r.expect("checked");
            prop_assert_ne!(
                approver,
                &r.principal_id,
                "{} approved their own request {}",
                approver,
                request_id
            );
            prop_assert_ne!(
                Some(approver),
                r.created_by.as_ref(),
                "{} approved the request {} they made",
                approver,
                request_id
            );
            let kind = w.engine.directory().principal(approver).map(|p| p.kind);
            prop_assert_eq!(
                kind,
                Some(pim_core::directory::PrincipalKind::User),
                "approver {} is not a user",
                approver
            );
        }
        Ok(())
    }

    fn outcome(
        &mut self,
        w: &World,
        step: &Step,
        ctx: &CallContext,
        o: &Outcome,
    ) -> Result<(), TestCaseError> {
        if let Step::Decide(Decide {
            who: Who::Principal,
            ..
        }) = step
        {
            // A refused self-decision changes nothing: its only event is the audit trail's
            // record of the refusal, naming the caller.
            prop_assert!(
                matches!(
                    o.events.as_slice(),
                    [Event::CommandRefused { by, .. }] if by == &ctx.caller
                ),
                "a self-decision by {:?} changed something: {:?}",
                ctx.caller,
                o.events
            );
            let code = o.decision.error.as_ref().map(|e| e.code);
            // Pending requests refuse the requester; decided ones are simply not pending.
            prop_assert!(
                matches!(
                    code,
                    Some(ErrorCode::AuthorizationFailed | ErrorCode::InvalidRequest)
                ),
                "self-decision answered {:?} at {}",
                o.decision,
                w.now
            );
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn nobody_approves_their_own_request(t in tenant_strategy(), steps in steps_strategy()) {
        let mut obs = NoSelfApproval { recorded: 0 };
        drive(&t, &steps, &mut obs)?;
    }
}
