//! Black-box tests of the mock over HTTP, one test binary.

mod control;
mod helpers;
mod search;
mod token;
