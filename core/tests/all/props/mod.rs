//! Property tests: random command sequences against a small random tenant, checked against a
//! shadow model kept from the event log; plus parser and engine robustness on arbitrary input.
//!
//! The tenant and its strategies are in `tenant`, the steps in `steps`; `world` and `driver` run
//! a sequence of steps, and `shadow` keeps the model the properties compare with. Each property
//! has its own file: (a) `windows`, (b) `checks`, (c) `approval`, (d) `replay`, (e) `fuzz` (with
//! `fuzz_input` and `fixtures`); `regressions` keeps the minimal cases they found.

mod activation_windows;
mod approval;
mod checks;
mod driver;
mod fixtures;
mod fuzz;
mod fuzz_input;
mod pim_rules;
mod regressions;
mod replay;
mod shadow;
mod steps;
mod tenant;
mod windows;
mod world;
