//! Reading events back: rebuilding an engine from its log and applying stored events.
//!
//! Its own feature (`replay`, in the Node build): reading `Event`s is the largest piece of the
//! module (serde buffers every variant of an internally tagged enum), and a browser page that
//! loads a tenant and evaluates forms does not need it.

use js_sys::{Array, Function};
use pim_core::Engine as Core;
use pim_core::event::Event;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use super::convert::from_js;
use super::engine::JsEngine;
use super::error::invalid;

#[wasm_bindgen(js_class = Engine)]
impl JsEngine {
    /// Rebuilds an engine from its event log (for example after a restart). `persist` as in the
    /// constructor.
    #[wasm_bindgen(js_name = fromEvents)]
    pub fn from_events(
        #[wasm_bindgen(unchecked_param_type = "Event[]")] events: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "(events: Event[]) => void")]
        persist: Option<Function>,
    ) -> Result<JsEngine, JsValue> {
        let events: Vec<Event> = from_js(events)?;
        let core = Core::replay(&events).map_err(|e| invalid(&e.to_string()))?;
        Ok(JsEngine::with(core, persist))
    }

    /// Applies events (one, or an array) in order, without `persist`: for events that are
    /// already stored. Throws on an event that does not fit the state; the events before it
    /// stay applied.
    pub fn apply(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Event | Event[]")] events: JsValue,
    ) -> Result<(), JsValue> {
        for event in events_of(events)? {
            self.apply_one(&event)?;
        }
        Ok(())
    }

    /// Persists events (through `persist`) and applies them.
    pub fn commit(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Event | Event[]")] events: JsValue,
    ) -> Result<(), JsValue> {
        let events = events_of(events)?;
        self.commit_events(&events)
    }
}

/// One event or an array of events.
fn events_of(value: JsValue) -> Result<Vec<Event>, JsValue> {
    if value.is_instance_of::<Array>() || Array::is_array(&value) {
        from_js(value)
    } else {
        Ok(vec![from_js(value)?])
    }
}
