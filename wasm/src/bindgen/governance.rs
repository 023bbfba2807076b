//! Security alerts, access reviews and the notification outbox, as queries on `Engine` (Node
//! build). Their commands (`configureAlert`, `createReview`, `decideReview`, …) go through
//! `execute` and `submit` like every other command.

use pim_core::notify::Notification;
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;

use super::clock::instant;
use super::convert::to_js;
use super::engine::JsEngine;
use super::error::invalid;

#[wasm_bindgen(js_class = Engine)]
impl JsEngine {
    /// The security alerts as they stand at `now`, with their incidents and configuration.
    #[wasm_bindgen(unchecked_return_type = "Alert[]")]
    pub fn alerts(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "Now")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        to_js(&self.core.alerts(instant(&now)?))
    }

    /// Every access review that is not deleted, with its instances, at `now`.
    #[wasm_bindgen(unchecked_return_type = "Review[]")]
    pub fn reviews(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "Now")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        to_js(&self.core.reviews_at(instant(&now)?))
    }

    /// One access review at `now`. Throws `InvalidRequest` for an unknown id.
    #[wasm_bindgen(unchecked_return_type = "Review")]
    pub fn review(
        &self,
        #[wasm_bindgen(js_name = reviewId)] review_id: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "Now")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        let review = self
            .core
            .review_at(review_id, instant(&now)?)
            .ok_or_else(|| invalid(&format!("unknown access review `{review_id}`")))?;
        to_js(&review)
    }

    /// The notifications due so far (the outbox), oldest first; only those addressed to
    /// `recipient` (an address or a principal id) when given.
    #[wasm_bindgen(unchecked_return_type = "Notification[]")]
    pub fn notifications(&self, recipient: Option<String>) -> Result<JsValue, JsValue> {
        let mail = recipient.as_deref().and_then(|r| {
            self.core
                .directory()
                .principal(r)
                .and_then(|p| p.mail.clone())
        });
        let list: Vec<&Notification> = self
            .core
            .outbox()
            .iter()
            .filter(|n| {
                recipient.as_deref().is_none_or(|r| {
                    n.recipients
                        .iter()
                        .any(|x| x == r || mail.as_deref() == Some(x.as_str()))
                })
            })
            .collect();
        to_js(&list)
    }
}
