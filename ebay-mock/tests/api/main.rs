//! Black-box tests of the mock over HTTP, one test binary.

mod control;
mod helpers;
mod item;
mod search;
mod selling;
mod token;
